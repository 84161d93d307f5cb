import type { Callback } from './callbacks.js';
import { isRendered, type RenderedValue } from './rendered-value.js';

export { isRendered, qrCodeOf, type RenderedValue } from './rendered-value.js';

const RENDERERS: Record<RenderedValue['$render'], (from: string) => Promise<string>> = {
  // Loaded when a QR code is first drawn, not when the function starts: most steps have none (issue 10 §2).
  qr: async (from) => (await import('./qr-svg.js')).qrSvgDataUrl(from),
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
