import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import { baseUrl, fill, post, registrationValues, type Step, uniqueName } from './am-client.js';
import { captureOutput } from './capture-output.js';
import { rawRequest } from './raw-http.js';

const amShape = { code: expect.any(Number), reason: expect.any(String), message: expect.any(String) };
const validate = () => `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`;
const MiB = 1024 * 1024;

describe('client mistakes are 4XX, never 5XX', () => {
  it('answers a session cookie that is not valid percent-encoding as no session', async () => {
    for (const value of ['%', '%zz', 'abc%E0%A4%A', '%%%']) {
      const reply = await post(validate(), undefined, { Cookie: `iPlanetDirectoryPro=${value}` });

      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ valid: false });
    }
  });

  it.each([
    ['POST //', 'POST // HTTP/1.1'],
    ['GET //x', 'GET //x HTTP/1.1'],
    [
      'GET //json/realms/root/realms/alpha/authenticate',
      'GET //json/realms/root/realms/alpha/authenticate HTTP/1.1',
    ],
    ['an absolute-form target that is not a URL', 'GET http://[bad HTTP/1.1'],
    ['an absolute-form target with no path', 'POST http://x HTTP/1.1'],
    ['the asterisk-form', 'OPTIONS * HTTP/1.1'],
    ['a path with a bad percent-encoding', 'POST /json/realms/root/realms/%zz/authenticate HTTP/1.1'],
  ])("answers %s with a 4XX in AM's shape", async (_name, line) => {
    const reply = await rawRequest(
      baseUrl(),
      `${line}\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );

    expect(reply.status, reply.raw).toBeGreaterThanOrEqual(400);
    expect(reply.status, reply.raw).toBeLessThan(500);
    expect(JSON.parse(reply.body)).toEqual(amShape);
  });

  it('answers a body over 10 MiB with 413 and closes the connection, whether its length is declared or not', async () => {
    const path = '/json/realms/root/realms/alpha/authenticate';
    const parts = (count: number, size: number) =>
      Array.from({ length: count }, () => Buffer.alloc(size, 'a'));
    const chunked = function* () {
      for (const part of parts(12, MiB))
        yield Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
      yield '0\r\n\r\n';
    };

    const declared = await rawRequest(
      baseUrl(),
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${11 * MiB}\r\n\r\n`,
      { body: parts(11, MiB), timeoutMs: 15_000 },
    );
    const streamed = await rawRequest(
      baseUrl(),
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      { body: chunked(), timeoutMs: 15_000 },
    );

    for (const reply of [declared, streamed]) {
      expect(reply.reset).toBe(false);
      expect(reply.status, reply.raw.slice(0, 500)).toBe(413);
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.body)).toEqual({ ...amShape, code: 413, reason: 'Payload Too Large' });
    }
  });

  it('answers an over-limit body to a Node client that is still sending it', async () => {
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${baseUrl()}/json/realms/root/realms/alpha/authenticate`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 11 * MiB } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString('utf8');
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(Buffer.alloc(11 * MiB, 'a'));
    });

    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 413 });
  });

  it('refuses an over-limit declared body before it is sent when the client expects 100-continue', async () => {
    const reply = await rawRequest(
      baseUrl(),
      `POST /json/realms/root/realms/alpha/authenticate HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${64 * MiB}\r\nExpect: 100-continue\r\n\r\n`,
    );

    expect(reply.status).toBe(413);
  });
});

describe('local responses', () => {
  it.each([
    '/',
    '/outbox',
    '/nothing',
    '/json/nothing',
    '/webhooks/nothing',
    '/pages/app.js',
    '/pages/app.css',
    '/enduser/',
    '/console',
  ])('carry X-Content-Type-Options: nosniff (%s)', async (path) => {
    const response = await fetch(`${baseUrl()}${path}`);

    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serve the hosted pages with their script and style as files, no inline code, and no framing', async () => {
    const response = await fetch(`${baseUrl()}/`);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    const assets = await Promise.all(
      ['/pages/app.js', '/pages/app.css'].map(async (path) => {
        const asset = await fetch(`${baseUrl()}${path}`);
        return {
          path,
          status: asset.status,
          type: asset.headers.get('content-type'),
          text: await asset.text(),
        };
      }),
    );

    expect(response.status).toBe(200);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/(^|; )script-src 'nonce-[A-Za-z0-9+/=]{24}' 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/pages\/app\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).toContain('<link rel="stylesheet" href="/pages/app.css">');
    expect(assets).toEqual([
      expect.objectContaining({ path: '/pages/app.js', status: 200, type: 'text/javascript; charset=utf-8' }),
      expect.objectContaining({ path: '/pages/app.css', status: 200, type: 'text/css; charset=utf-8' }),
    ]);
    expect(assets[0]?.text).toContain('function render(');
    expect(assets[1]?.text).toContain('.iproov');
  });

  it('leaves the session cookie without Secure locally when SESSION_COOKIE_SECURE is not set', async () => {
    const step = await post<Step>(
      `${baseUrl()}/json/realms/root/realms/alpha/authenticate?authIndexValue=Registration`,
    );
    const reply = await fetch(
      `${baseUrl()}/json/realms/root/realms/alpha/authenticate?authIndexValue=Registration`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fill(step.body, registrationValues(uniqueName('plain')))),
      },
    );

    expect(reply.headers.get('set-cookie')).toMatch(
      /^iPlanetDirectoryPro=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/,
    );
  });
});

/** A runtime of its own (sharing the run's DynamoDB Local), with a Secure cookie and its logs captured. */
describe('local server settings and logs', () => {
  let runtime: Runtime;
  let output: ReturnType<typeof captureOutput> | undefined;

  beforeAll(async () => {
    const { startRuntime } = await import('../../infra/local/runtime.js');
    runtime = await startRuntime({
      port: 0,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      env: { ...process.env, REALMS: 'alpha', SESSION_COOKIE_SECURE: 'true' },
    });
    output = captureOutput();
  });

  afterAll(async () => {
    output?.restore();
    await runtime?.stop();
  });

  it('honours SESSION_COOKIE_SECURE=true', async () => {
    const url = `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexValue=Registration`;
    const step = await post<Step>(url);
    const reply = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fill(step.body, registrationValues(uniqueName('secure')))),
    });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('set-cookie')).toMatch(/; Secure(;|$)/);
  });

  it('does not log a request the client aborted mid-body as an error', async () => {
    const { port } = new URL(runtime.url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    socket.write(
      'POST /json/realms/root/realms/alpha/authenticate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"authId":',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The server is still fine.
    const after = await post(`${runtime.url}/json/realms/root/realms/alpha/authenticate`);

    expect(after.status).toBe(200);
    const logs = (output?.captured ?? []).join('');
    expect(logs).not.toMatch(/"level":"(ERROR|CRITICAL)"/);
    expect(logs).not.toContain('"stack"');
  });
});
