import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parseReferencePhoto, sdkOptions, sdkSchema } from '../../functions/nodes/iproov-support.js';

describe('iProov web SDK options', () => {
  it("are given under <iproov-me>'s attribute names, with seed 000's defaults, and only when set", () => {
    const defaults = sdkOptions(v.parse(sdkSchema, {}));
    const custom = sdkOptions(
      v.parse(sdkSchema, {
        customTitle: 'Verify',
        surroundColor: 'rgba(0, 0, 0, 0.4)',
        promptRoundedCorners: false,
        logo: null,
        networkTimeout: 25,
        assetsUrl: 'https://cdn.example.com/iproov',
      }),
    );

    expect(defaults).toEqual({ filter: 'shaded', network_timeout: 20, aria_live: 'assertive', debug: false });
    expect(custom).toMatchObject({
      custom_title: 'Verify',
      surround_color: 'rgba(0, 0, 0, 0.4)',
      prompt_rounded_corners: false,
      logo: null,
      network_timeout: 25,
      assets_url: 'https://cdn.example.com/iproov',
    });
  });

  it('refuse a network timeout under the SDK minimum, an unknown filter or an unknown option', () => {
    for (const bad of [{ networkTimeout: 10 }, { filter: 'sepia' }, { kioskMode: true }]) {
      expect(v.safeParse(sdkSchema, bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('reference photo', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
  const url = `data:image/jpeg;base64,${jpeg.toString('base64')}`;

  it('accepts a JPEG data URL and gives its bytes', () => {
    expect(parseReferencePhoto(`  ${url}\n`, 100)).toEqual({ jpeg: new Uint8Array(jpeg) });
  });

  it.each([
    [42, 'REFERENCE_PHOTO_INVALID'],
    ['https://example.com/me.jpg', 'REFERENCE_PHOTO_INVALID'],
    ['data:image/jpeg;base64,not base64!', 'REFERENCE_PHOTO_INVALID'],
    [`data:image/jpeg;base64,${Buffer.from('plain text').toString('base64')}`, 'REFERENCE_PHOTO_INVALID'],
    [url, 'REFERENCE_PHOTO_TOO_LARGE', 4],
    [undefined, 'REFERENCE_PHOTO_MISSING'],
  ])('refuses %j with %s', (value, code, max = 100) => {
    expect(parseReferencePhoto(value, max)).toEqual({ reason: { code, message: expect.any(String) } });
  });
});
