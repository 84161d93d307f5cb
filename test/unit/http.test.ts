import { describe, expect, it } from 'vitest';
import { cookie, type HttpEvent } from '../../functions/api/http.js';

const event = (init: Partial<HttpEvent>): HttpEvent => ({ headers: {}, ...init }) as HttpEvent;

describe('cookie()', () => {
  it('percent-decodes a cookie from the cookies array or the Cookie header', () => {
    expect(cookie(event({ cookies: ['a=1', 'token=x%2By'] }), 'token')).toBe('x+y');
    expect(cookie(event({ headers: { Cookie: 'a=1; token=abc' } }), 'token')).toBe('abc');
  });

  it('treats a value that is not valid percent-encoding as no value, never as an error', () => {
    for (const value of ['%', '%zz', '%E0%A4%A', 'a%']) {
      expect(cookie(event({ cookies: [`token=${value}`] }), 'token')).toBeUndefined();
      expect(cookie(event({ headers: { cookie: `token=${value}` } }), 'token')).toBeUndefined();
    }
    expect(cookie(event({ cookies: ['token=%', 'token=good'] }), 'token')).toBe('good');
  });
});
