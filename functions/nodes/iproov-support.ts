import * as v from 'valibot';
import type { JsonObject } from '../shared/json.js';

/** Pieces of the iProov node that do not need its services: the web SDK's options and reference photos. */

/** Why the node answered Error or Failure, as put in shared state. */
export interface Reason {
  code: string;
  message: string;
}

const color = v.pipe(v.string(), v.maxLength(64));

/** The web SDK's presentation options (seed 000), passed to the client under the SDK's attribute names. */
export const sdkSchema = v.strictObject({
  version: v.optional(v.picklist(['5.0.0', '5.0.1']), '5.0.0'),
  filter: v.optional(v.picklist(['classic', 'shaded', 'vibrant', 'clear', 'blur']), 'shaded'),
  customTitle: v.optional(v.string()),
  titleTextColor: v.optional(color),
  surroundColor: v.optional(color),
  promptTextColor: v.optional(color),
  promptBackgroundColor: v.optional(color),
  headerBackgroundColor: v.optional(color),
  promptRoundedCorners: v.optional(v.boolean()),
  /** Where the SDK loads its assets from (your CDN in production). */
  assetsUrl: v.optional(v.pipe(v.string(), v.url())),
  /** URL or data URI of your logo; `null` shows none; omitted shows iProov's. */
  logo: v.optional(v.nullable(v.string())),
  /** Seconds for the backend to acknowledge a message (SDK minimum and default: 20). */
  networkTimeout: v.optional(v.pipe(v.number(), v.integer(), v.minValue(20)), 20),
  ariaLive: v.optional(v.picklist(['assertive', 'polite', 'off']), 'assertive'),
  debug: v.optional(v.boolean(), false),
  /** Slot name → markup, for clients that render the SDK's slots. */
  slots: v.optional(v.record(v.string(), v.string())),
});

type SdkConfig = v.InferOutput<typeof sdkSchema>;

/** The SDK options as the web SDK's `<iproov-me>` attributes (snake_case), only those that are set. */
export function sdkOptions(sdk: SdkConfig): JsonObject {
  const options: JsonObject = {
    filter: sdk.filter,
    network_timeout: sdk.networkTimeout,
    aria_live: sdk.ariaLive,
    debug: sdk.debug,
  };
  const optional: Array<[string, string | boolean | null | undefined]> = [
    ['custom_title', sdk.customTitle],
    ['title_text_color', sdk.titleTextColor],
    ['surround_color', sdk.surroundColor],
    ['prompt_text_color', sdk.promptTextColor],
    ['prompt_background_color', sdk.promptBackgroundColor],
    ['header_background_color', sdk.headerBackgroundColor],
    ['prompt_rounded_corners', sdk.promptRoundedCorners],
    ['assets_url', sdk.assetsUrl],
    ['logo', sdk.logo],
  ];
  for (const [name, value] of optional) if (value !== undefined) options[name] = value;
  if (sdk.slots) options.slots = sdk.slots;
  return options;
}

/** A JPEG data URL's bytes, or why it is not acceptable. */
export function parseReferencePhoto(
  value: unknown,
  maxBytes: number,
): { jpeg: Uint8Array } | { reason: Reason } {
  const invalid = (message: string): { reason: Reason } => ({
    reason: { code: 'REFERENCE_PHOTO_INVALID', message },
  });
  if (value === undefined || value === null || value === '')
    return { reason: { code: 'REFERENCE_PHOTO_MISSING', message: 'No reference photo in shared state.' } };
  if (typeof value !== 'string') return invalid('The reference photo must be a data URL string.');
  const match = /^data:image\/jpeg;base64,([A-Za-z0-9+/]+={0,2})$/.exec(value.trim());
  if (!match?.[1]) return invalid('The reference photo must be a JPEG data URL (data:image/jpeg;base64,…).');
  // Checked before decoding: base64 is 4/3 of the bytes.
  if (Math.floor((match[1].length * 3) / 4) > maxBytes + 2) {
    return {
      reason: {
        code: 'REFERENCE_PHOTO_TOO_LARGE',
        message: `The reference photo is larger than ${maxBytes} bytes.`,
      },
    };
  }
  const jpeg = new Uint8Array(Buffer.from(match[1], 'base64'));
  if (jpeg.length > maxBytes) {
    return {
      reason: {
        code: 'REFERENCE_PHOTO_TOO_LARGE',
        message: `The reference photo is larger than ${maxBytes} bytes.`,
      },
    };
  }
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[2] !== 0xff)
    return invalid('The reference photo is not a JPEG image.');
  return { jpeg };
}
