import QRCode from 'qrcode';
import type { Callback } from './callbacks.js';
import { isJsonObject, type JsonValue } from './json.js';

/**
 * A callback output value that is rendered when the step is answered, not stored: a node suspends with the small
 * thing it is made from (a link), which is all that travels through the execution and is written to the
 * transaction item; `renderCallbacks` turns it into what the client receives. Kinds:
 * - `qr`: `{"$render": "qr", "from": "<text>"}` → `data:image/svg+xml;base64,…`, the text as an SVG QR code
 *   (a few KB per step that each execution's payload and each write of the transaction would otherwise carry).
 */
export type RenderedValue = { $render: 'qr'; from: string };

/** The QR code of `text`, rendered when the step is answered. */
export const qrCodeOf = (text: string): RenderedValue => ({ $render: 'qr', from: text });

const RENDERERS: Record<RenderedValue['$render'], (from: string) => Promise<string>> = {
  qr: async (from) => {
    const svg = await QRCode.toString(from, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  },
};

export function isRendered(value: JsonValue): value is RenderedValue {
  return isJsonObject(value) && typeof value.$render === 'string' && typeof value.from === 'string';
}

async function render(value: RenderedValue): Promise<string> {
  const renderer = RENDERERS[value.$render];
  if (!renderer) throw new Error(`Unknown rendered value kind ${String(value.$render)}`);
  return renderer(value.from);
}

/** The callbacks as the client receives them: every rendered output value rendered. */
export async function renderCallbacks(callbacks: readonly Callback[]): Promise<Callback[]> {
  return Promise.all(
    callbacks.map(async (callback) =>
      callback.output.some((o) => isRendered(o.value))
        ? {
            ...callback,
            output: await Promise.all(
              callback.output.map(async (o) =>
                isRendered(o.value) ? { ...o, value: await render(o.value) } : o,
              ),
            ),
          }
        : callback,
    ),
  );
}
