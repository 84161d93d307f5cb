import { isJsonObject, type JsonValue } from './json.js';

/**
 * A callback output value that is rendered when the step is answered, not stored: a node suspends with the small
 * thing it is made from (a link), which is all that travels through the execution and is written to the
 * transaction item; `renderCallbacks` (rendered.ts) turns it into what the client receives. Kinds:
 * - `qr`: `{"$render": "qr", "from": "<text>"}` → `data:image/svg+xml;base64,…`, the text as an SVG QR code
 *   (a few KB per step that each execution's payload and each write of the transaction would otherwise carry).
 *
 * Apart from the renderer so that the nodes, which only make these values, do not bundle the QR code library.
 */
export type RenderedValue = { $render: 'qr'; from: string };

/** The QR code of `text`, rendered when the step is answered. */
export const qrCodeOf = (text: string): RenderedValue => ({ $render: 'qr', from: text });

export function isRendered(value: JsonValue): value is RenderedValue {
  return isJsonObject(value) && typeof value.$render === 'string' && typeof value.from === 'string';
}
