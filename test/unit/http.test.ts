import { describe, expect, it } from 'vitest';
import type { HttpError } from '../../functions/api/errors.js';
import { cookie, type HttpEvent, router } from '../../functions/api/http.js';

const event = (init: Partial<HttpEvent>): HttpEvent => ({ headers: {}, ...init }) as HttpEvent;

describe('cookie() (the cookie package, on normalized headers)', () => {
  it('percent-decodes a cookie from the cookies array or the cookie header', () => {
    expect(cookie(event({ cookies: ['a=1', 'token=x%2By'] }), 'token')).toBe('x+y');
    expect(cookie(event({ headers: { cookie: 'a=1; token=abc' } }), 'token')).toBe('abc');
    expect(cookie(event({ cookies: ['a=1'], headers: { cookie: 'token=abc' } }), 'token')).toBe('abc');
    expect(cookie(event({}), 'token')).toBeUndefined();
  });

  it('keeps a value that is not valid percent-encoding as it is, never an error; the first of equal names wins', () => {
    for (const value of ['%', '%zz', '%E0%A4%A', 'a%']) {
      expect(cookie(event({ cookies: [`token=${value}`] }), 'token')).toBe(value);
      expect(cookie(event({ headers: { cookie: `token=${value}` } }), 'token')).toBe(value);
    }
    expect(cookie(event({ cookies: ['token=%', 'token=good'] }), 'token')).toBe('%');
    expect(cookie(event({ headers: { cookie: '__proto__=x; =; ;;token' } }), 'token')).toBeUndefined();
  });
});

describe('router() (@middy/http-router)', () => {
  const request = (method: string, path: string): HttpEvent =>
    ({ version: '2.0', rawPath: path, headers: {}, requestContext: { http: { method, path } } }) as HttpEvent;
  const route = router([
    {
      method: 'POST',
      path: '/a/{id}',
      handler: async (e) => ({ statusCode: 200, body: e.pathParameters?.id }),
    },
  ]);
  const refusal = (method: string, path: string) =>
    route(request(method, path)).then(
      () => undefined,
      (error: HttpError) => [error.statusCode, error.message],
    );

  it('routes by method and path, a trailing slash optional, path parameters in pathParameters', async () => {
    expect(await route(request('POST', '/a/x%2Fy'))).toEqual({ statusCode: 200, body: 'x%2Fy' });
    expect(await route(request('POST', '/a/x/'))).toEqual({ statusCode: 200, body: 'x' });
  });

  it('answers another method on a known path 405, an unknown path 404', async () => {
    expect(await refusal('GET', '/a/x')).toEqual([405, 'GET is not supported here; use POST']);
    expect(await refusal('PROPFIND', '/a/x')).toEqual([405, 'PROPFIND is not supported']);
    for (const path of ['/a', '/a/x/y', '//a/x', '/b/x', '/']) {
      expect(await refusal('POST', path)).toEqual([404, `No endpoint at ${path}`]);
    }
  });
});
