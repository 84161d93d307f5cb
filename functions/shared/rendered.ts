import { create } from 'qrcode/lib/core/qrcode.js';
import { render as svgTag } from 'qrcode/lib/renderer/svg-tag.js';
import type { Callback } from './callbacks.js';
import { isRendered, type RenderedValue } from './rendered-value.js';

export { isRendered, qrCodeOf, type RenderedValue } from './rendered-value.js';

const RENDERERS: Record<RenderedValue['$render'], (from: string) => Promise<string>> = {
  qr: async (from) => {
    // QRCode.toString(from, { type: 'svg', … }) without the package's other renderers (qrcode.d.ts).
    const options = { errorCorrectionLevel: 'M', margin: 1 } as const;
    const svg = svgTag(create(from, options), options);
    return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  },
};

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
