import { describe, expect, inject, it } from 'vitest';
import { authenticateUrl, baseUrl, iproovSandboxUrl } from './am-client.js';

/** The settings the hosted pages give their script (`<meta name="proofline" content="…">`, HTML-escaped JSON). */
const pageSettings = (html: string): Record<string, unknown> => {
  const content = /<meta name="proofline" content="([^"]*)">/.exec(html)?.[1] ?? '{}';
  return JSON.parse(
    content
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  ) as Record<string, unknown>;
};

describe('embedded runtime extras', () => {
  it('serves the hosted pages, which know every journey', async () => {
    const response = await fetch(`${baseUrl()}/`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(pageSettings(html).journeys).toEqual([
      'ForgottenUsername',
      'IProovLogin',
      'IdentityProofing',
      'Login',
      'ProgressiveProfile',
      'Registration',
      'ResetPassword',
      'UpdatePassword',
    ]);
  });

  it('lets the hosted pages show QR codes and play iProov scans in the sandbox, and nothing else', async () => {
    const sandbox = iproovSandboxUrl();
    const response = await fetch(`${baseUrl()}/`);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const preflight = await fetch(`${sandbox}/sandbox/tokens/x/scan`, {
      method: 'OPTIONS',
      headers: { Origin: baseUrl(), 'Access-Control-Request-Method': 'POST' },
    });
    const scanPage = await fetch(`${sandbox}/sandbox/scan/abc123`);

    expect(pageSettings(html).iproovSandbox).toBe(sandbox);
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain(`connect-src 'self' ${sandbox}`);
    expect(csp).toContain("default-src 'self'");
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(scanPage.headers.get('content-type')).toContain('text/html');
    expect(await scanPage.text()).toContain('/sandbox/tokens/abc123/scan');
  });

  it('refuses to start with a proof encryption key that is not 32 bytes, saying which setting', async () => {
    const { startRuntime } = await import('../../infra/local/runtime.js');

    await expect(
      startRuntime({
        port: 0,
        dynamodbEndpoint: inject('dynamodbEndpoint'),
        env: { ...process.env, PROOF_ENCRYPTION_KEY: Buffer.from('too short').toString('base64') },
      }),
    ).rejects.toThrow(/PROOF_ENCRYPTION_KEY must be the base64 of 32/);
    await expect(
      startRuntime({
        port: 0,
        dynamodbEndpoint: inject('dynamodbEndpoint'),
        env: { PROOF_RETENTION_DAYS: 'soon' },
      }),
    ).rejects.toThrow(/PROOF_RETENTION_DAYS must be a non-negative integer/);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(authenticateUrl('Login'), {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });

    const allowed = await preflight('http://app.example.test');
    const other = await preflight('http://evil.example.test');

    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('Accept-API-Version');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
