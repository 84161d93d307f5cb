import type { HttpEvent, HttpResult } from '../api/http.js';
import { oidcDeps } from '../composition/root.js';
import { createOidcHandler } from './app.js';

let ready: Promise<(event: HttpEvent) => Promise<HttpResult>> | undefined;

/**
 * Lambda entry point of the OpenID Provider on AWS (`/oauth2/{proxy+}`): built on the first request (its keys and
 * client secrets come from Secrets Manager), then reused.
 */
export const handler = async (event: HttpEvent): Promise<HttpResult> => {
  ready ??= oidcDeps(process.env)
    .then(createOidcHandler)
    .catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
  return (await ready)(event);
};
