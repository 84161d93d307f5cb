import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrCodeOf, renderCallbacks } from '../../functions/shared/rendered.js';

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
