import { create } from 'qrcode/lib/core/qrcode.js';
import { render as svgTag } from 'qrcode/lib/renderer/svg-tag.js';

/** An SVG data URL of the QR code of `from`: QRCode.toString(from, {type: 'svg', …}) without the other renderers. */
export function qrSvgDataUrl(from: string): string {
  const options = { errorCorrectionLevel: 'M', margin: 1 } as const;
  const svg = svgTag(create(from, options), options);
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
