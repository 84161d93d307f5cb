import QRCode from 'qrcode';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../functions/shared/lambda-credentials.js';
import { qrCodeOf, renderCallbacks } from '../../functions/shared/rendered.js';

describe('the Lambda credential provider (what the bundles take for the SDK chain)', () => {
  const names = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CREDENTIAL_EXPIRATION',
  ];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  afterEach(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it("returns the execution role's credentials from the environment, as Lambda sets them", async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z',
    });
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date('2030-01-01T00:00:00Z'),
    });
  });

  it('fails without credentials in the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE';
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(defaultProvider()()).rejects.toThrow(/credentials/i);
  });
});

describe('the QR code from qrcode’s SVG modules only', () => {
  it('renders exactly what QRCode.toString(…, { type: "svg" }) renders', async () => {
    const link = 'https://ipa.example/start?session=0123456789abcdef';
    const [callback] = await renderCallbacks([
      { _id: 0, type: 'TextOutputCallback', output: [{ name: 'qr', value: qrCodeOf(link) }], input: [] },
    ]);
    const svg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    expect(callback?.output[0]?.value).toBe(
      `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    );
  });
});
