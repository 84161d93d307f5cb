/**
 * The two modules of the `qrcode` package that make an SVG QR code, imported directly (shared/rendered.ts) so
 * that the bundles leave out its PNG, terminal and UTF-8 renderers (pngjs): what `QRCode.toString(text,
 * { type: 'svg', … })` does, with the same options. Typed here, as far as Proofline uses them (qrcode 1.5).
 */
declare module 'qrcode/lib/core/qrcode.js' {
  import type { QRCode, QRCodeOptions } from 'qrcode';
  export function create(text: string, options?: QRCodeOptions): QRCode;
}

declare module 'qrcode/lib/renderer/svg-tag.js' {
  import type { QRCode, QRCodeRenderersOptions } from 'qrcode';
  export function render(qrData: QRCode, options?: QRCodeRenderersOptions): string;
}
