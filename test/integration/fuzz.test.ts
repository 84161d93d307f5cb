import { randomBytes } from 'node:crypto';
import { Agent, type OutgoingHttpHeaders, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import type { Step } from './am-client.js';
import { captureOutput } from './capture-output.js';
import { rawRequest } from './raw-http.js';

/**
 * Property-based fuzzing of every HTTP entry of the embedded runtime, over real HTTP, on a runtime of its own.
 * Properties: never a 5XX, never a reset connection, never a hang; `/json/` errors in AM's shape; no ERROR log;
 * and the runtime still runs a Login afterwards.
 *
 * FUZZ_RUNS (default 10000) scales the total number of cases; FUZZ_SEED replays a run (every run prints its
 * seed, and fast-check prints the seed and path of a failing case).
 */
const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? randomBytes(4).readInt32LE());
const REQUEST_TIMEOUT_MS = 10_000;
const MiB = 1024 * 1024;

let runtime: Runtime;
let host: string;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const counts = { cases: 0, requests: 0, raw: 0, statuses: {} as Record<number, number> };
let output: ReturnType<typeof captureOutput> | undefined;

/** numRuns for a property that takes `fraction` of the total. */
const runs = (fraction: number): number => Math.max(1, Math.round(TOTAL * fraction));
const params = (fraction: number) => ({ numRuns: runs(fraction), seed: SEED });

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** A transport failure: reset, timeout, premature close. */
  failure?: string;
}

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const toRaw = ({ method, path, headers = {}, body }: Req): Buffer => {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? Buffer.alloc(0));
  const clean = (value: string) => value.replace(/[\r\n]/g, ' ');
  const lines = [
    `${clean(method)} ${clean(path)} HTTP/1.1`,
    'Host: localhost',
    ...Object.entries(headers)
      .filter(([name]) => !/^(host|content-length|connection|transfer-encoding)$/i.test(name))
      .map(([name, value]) => `${clean(name)}: ${clean(value)}`),
    `Content-Length: ${payload.length}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), payload]);
};

/** Sends on a raw socket: any request line and header bytes, as a misbehaving client would. */
async function sendRaw(req: Req): Promise<Reply> {
  counts.raw++;
  const reply = await rawRequest(runtime.url, toRaw(req), { timeoutMs: REQUEST_TIMEOUT_MS });
  const failure = reply.reset ? 'connection reset' : reply.timedOut ? 'timeout' : undefined;
  return {
    status: reply.status,
    headers: reply.headers,
    body: reply.body,
    ...(failure || reply.status === 0
      ? { failure: failure ?? `no response: ${reply.raw.slice(0, 200)}` }
      : {}),
  };
}

/** Sends with node:http on a keep-alive agent; what node:http refuses to send goes on a raw socket instead. */
function send(req: Req): Promise<Reply> {
  counts.requests++;
  return new Promise((resolve) => {
    let outgoing: ReturnType<typeof request>;
    try {
      outgoing = request({
        host,
        port,
        agent,
        method: req.method,
        path: req.path,
        headers: req.headers as OutgoingHttpHeaders,
        timeout: REQUEST_TIMEOUT_MS,
      });
    } catch {
      // ERR_UNESCAPED_CHARACTERS, ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN…
      resolve(sendRaw(req));
      return;
    }
    outgoing.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (error) => resolve({ status: 0, headers: {}, body: '', failure: String(error) }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error) => resolve({ status: 0, headers: {}, body: '', failure: String(error) }));
    outgoing.end(req.body);
  });
}

/** The property every exchange must have. */
function check(req: Req, reply: Reply): void {
  counts.cases++;
  counts.statuses[reply.status] = (counts.statuses[reply.status] ?? 0) + 1;
  const what = () =>
    `${JSON.stringify(req.method)} ${JSON.stringify(req.path)} → ${reply.status} ${reply.failure ?? ''} ${reply.body.slice(0, 300)}`;
  if (reply.failure) throw new Error(`transport failure: ${what()}`);
  if (reply.status < 100 || reply.status >= 500) throw new Error(`server error: ${what()}`);
  if (reply.headers['x-content-type-options'] !== 'nosniff' && reply.body !== '') {
    throw new Error(`no nosniff: ${what()}`);
  }
  const path = req.path.split('?')[0] ?? '';
  if (path.startsWith('/json/') && reply.status >= 400 && reply.body !== '') {
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    if (body.code !== reply.status || typeof body.reason !== 'string' || typeof body.message !== 'string') {
      throw new Error(`not AM's error shape: ${what()}`);
    }
  }
}

const exchange = async (req: Req): Promise<Reply> => {
  const reply = await send(req);
  check(req, reply);
  return reply;
};

// ---- arbitraries -------------------------------------------------------------------------------------------

/** Percent-encodes the UTF-8 bytes of any string (lone surrogates become U+FFFD), keeping unreserved chars. */
const encode = (value: string): string =>
  [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** Mostly printable ASCII (what reaches the handlers), sometimes any code point or a classic troublemaker. */
const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '%',
      '%zz',
      '%E0%A4%A',
      '\u0000',
      '..',
      '//',
      '€',
      '\uD800',
      'a'.repeat(3000),
    ),
  },
);

/** A query string: known parameters with odd values, unknown ones, raw or encoded. */
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'authIndexType',
          'authIndexValue',
          '_action',
          'code',
          'state',
          'suspendedId',
          'realm',
        ),
        anyText,
      ),
      fc.oneof(
        fc.constantFrom(
          'service',
          'Login',
          'Registration',
          'validate',
          'logout',
          'module',
          '',
          'x'.repeat(64),
        ),
        anyText,
      ),
      fc.boolean(),
    ),
    { maxLength: 5 },
  )
  .map((pairs) =>
    pairs
      .map(([key, value, raw]) =>
        raw
          ? `${key.replace(/[#\s]/g, '')}=${value.replace(/[#\s]/g, '')}`
          : `${encode(key)}=${encode(value)}`,
      )
      .join('&'),
  );

/** API headers with values from `text`. */
const headersWith = (text: fc.Arbitrary<string>) =>
  fc.record(
    {
      'Content-Type': fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/octet-stream',
          'multipart/form-data; boundary=x',
          '',
        ),
        text,
      ),
      'Accept-API-Version': fc.oneof(
        fc.constantFrom(
          'resource=2.1, protocol=1.0',
          'protocol=2.0',
          'protocol=1',
          'protocol=99999999999999999999.0',
          'resource=x',
          'protocol=',
        ),
        text,
      ),
      'Accept-Language': fc.oneof(
        fc.constantFrom(
          'fr',
          'fr-CA,fr;q=0.9,en;q=0.1',
          'de;q=0',
          '*',
          'en;q=abc',
          'x'.repeat(500),
          ';;,,;q=',
        ),
        text,
      ),
      Cookie: fc.oneof(
        fc.constantFrom(
          'iPlanetDirectoryPro=%',
          'iPlanetDirectoryPro=',
          'iPlanetDirectoryPro',
          '=;=;;',
          `iPlanetDirectoryPro=${'A'.repeat(43)}`,
        ),
        text.map((v) => `iPlanetDirectoryPro=${v}`),
        text,
      ),
      iPlanetDirectoryPro: text,
      Accept: fc.constantFrom('application/json', 'text/html', '*/*', ''),
      Origin: fc.constantFrom('http://app.example.test', 'null', 'http://evil.example'),
      'X-Requested-With': text,
    },
    { requiredKeys: [] },
  );

/** Mostly headers Node lets through to the handlers, sometimes bytes its parser must refuse (a 400 of its own). */
const apiHeaders = fc.oneof(
  { weight: 4, arbitrary: headersWith(fc.string({ maxLength: 60 })) },
  { weight: 1, arbitrary: headersWith(anyText) },
);

const nested = (open: string, close: string, depth: number): string =>
  open.repeat(depth) + close.repeat(depth);

/** Request bodies: JSON of every shape, deep nesting, huge strings within limits, and non-JSON. */
const bodyText = fc.oneof(
  { weight: 4, arbitrary: fc.json({ maxDepth: 4 }) },
  {
    weight: 3,
    arbitrary: fc.anything({ maxDepth: 4 }).map((value) => {
      try {
        return JSON.stringify(value) ?? '';
      } catch {
        return '';
      }
    }),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 1, max: 40_000 }),
        fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"authId":[', ']}']),
      )
      .map(([depth, [open, close]]) => nested(open as string, close as string, depth)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 120_000 }), fc.constantFrom('authId', 'tokenId', 'token', 'callbacks'))
      .map(([length, key]) => JSON.stringify({ [key]: 'x'.repeat(length) })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '"', '{"authId":null}', '{"callbacks":[]}'),
  },
);

const realmPath = fc.constantFrom(
  '/json/realms/root/realms/alpha',
  '/json/realms/root',
  '/json/realms/root/realms/beta',
  '/json/realms/root/realms/',
  '/json/realms/root/realms/al%70ha',
);

const authIdShaped = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/), fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/))
  .map(([tx, secret]) => `${tx}.${secret}`);

const webhookKey = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{20,100}$/), anyText.map(encode));

const jsonValue = fc.jsonValue({ maxDepth: 3 });

// ---- the runtime -------------------------------------------------------------------------------------------

const authenticate = (
  realm = '/json/realms/root/realms/alpha',
  query = 'authIndexType=service&authIndexValue=Login',
) => `${realm}/authenticate?${query}`;

async function startLogin(): Promise<Step> {
  const reply = await exchange({
    method: 'POST',
    path: authenticate(),
    headers: { 'Content-Type': 'application/json' },
  });
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body) as Step;
}

beforeAll(async () => {
  // Cheap password hashing for this runtime (the fuzzer submits many passwords); set before the module loads.
  const { startRuntime } = await import('../../infra/local/runtime.js');
  runtime = await startRuntime({ port: 0, env: { ...process.env, REALMS: 'alpha' } });
  const url = new URL(runtime.url);
  host = url.hostname;
  port = Number(url.port);
  output = captureOutput();
});

afterAll(async () => {
  output?.restore();
  agent.destroy();
  await runtime?.stop();
  console.log(
    `fuzz: ${counts.cases} cases (${counts.requests} requests, ${counts.raw} on raw sockets; statuses ${JSON.stringify(counts.statuses)}), seed ${SEED}; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${TOTAL}`,
  );
});

const TIMEOUT = 120_000;

describe(`HTTP fuzzing (FUZZ_RUNS=${TOTAL}, seed ${SEED})`, () => {
  it(
    'authenticate: any body, query and headers, without a valid authId',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          realmPath,
          queryString,
          apiHeaders,
          bodyText,
          async (realm, query, headers, body) => {
            await exchange({ method: 'POST', path: authenticate(realm, query), headers, body });
          },
        ),
        params(0.15),
      );
    },
    TIMEOUT,
  );

  it(
    'authenticate: step-shaped bodies with well-formed and garbage authIds',
    async () => {
      const callback = fc.record(
        {
          type: fc.oneof(
            fc.constantFrom('NameCallback', 'PasswordCallback', 'HiddenValueCallback', 'ChoiceCallback'),
            anyText,
          ),
          output: fc.oneof(jsonValue, fc.array(fc.record({ name: anyText, value: jsonValue }))),
          input: fc.oneof(
            jsonValue,
            fc.array(
              fc.record({
                name: fc.oneof(fc.constantFrom('IDToken1', 'IDToken2'), anyText),
                value: jsonValue,
              }),
            ),
          ),
          _id: fc.oneof(fc.integer(), jsonValue),
        },
        { requiredKeys: [] },
      );
      const stepBody = fc.record(
        {
          authId: fc.oneof(authIdShaped, anyText, jsonValue),
          callbacks: fc.oneof(fc.array(callback, { maxLength: 4 }), jsonValue),
          stage: jsonValue,
          header: jsonValue,
        },
        { requiredKeys: ['authId'] },
      );
      await fc.assert(
        fc.asyncProperty(
          realmPath,
          queryString,
          apiHeaders,
          stepBody,
          async (realm, query, headers, body) => {
            await exchange({
              method: 'POST',
              path: authenticate(realm, query),
              headers,
              body: JSON.stringify(body),
            });
          },
        ),
        params(0.15),
      );
    },
    TIMEOUT,
  );

  it(
    'authenticate: a real Login step with its inputs, callbacks and authId tampered with',
    async () => {
      let step = await startLogin();
      const tamper = fc.record({
        // Mostly a fresh step (an authId is spent once its step is answered), sometimes the spent one.
        fresh: fc.boolean(),
        authId: fc.constantFrom('real', 'real', 'real', 'wrong secret', 'extra part', 'upper case'),
        secret: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        values: fc.array(fc.oneof(jsonValue, anyText), { minLength: 1, maxLength: 4 }),
        drop: fc.boolean(),
        extra: fc.option(fc.dictionary(anyText, jsonValue, { maxKeys: 3 })),
        // A deeply nested input value (DynamoDB refuses more than 32 levels).
        deep: fc.option(fc.integer({ min: 20, max: 10_000 })),
        journey: fc.constantFrom('Login', 'Login', 'Registration', 'Nope', ''),
      });
      await fc.assert(
        fc.asyncProperty(apiHeaders, tamper, async (headers, t) => {
          if (t.fresh) step = await startLogin();
          const copy = structuredClone(step) as Step & Record<string, unknown>;
          const [txId = ''] = step.authId.split('.');
          copy.authId =
            t.authId === 'real'
              ? step.authId
              : t.authId === 'wrong secret'
                ? `${txId}.${t.secret}`
                : t.authId === 'extra part'
                  ? `${step.authId}.x`
                  : step.authId.toUpperCase();
          copy.callbacks.forEach((callback, index) => {
            const input = callback.input[0];
            if (input) input.value = t.values[index % t.values.length];
          });
          const first = copy.callbacks[0]?.input[0];
          if (t.deep !== null && first) first.value = '<deep>';
          if (t.drop) copy.callbacks.pop();
          Object.assign(copy, t.extra ?? {});
          await exchange({
            method: 'POST',
            path: authenticate(undefined, `authIndexType=service&authIndexValue=${t.journey}`),
            headers: { ...headers, 'Content-Type': 'application/json' },
            // Spliced in as text: JSON.stringify itself runs out of stack on deep values.
            body: JSON.stringify(copy).replace('"<deep>"', nested('[', ']', t.deep ?? 0)),
          });
        }),
        params(0.03),
      );
    },
    TIMEOUT,
  );

  it(
    'sessions: validate and logout with any token, cookie, header, action and body',
    async () => {
      const token = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{20,200}$/), anyText);
      await fc.assert(
        fc.asyncProperty(
          realmPath,
          fc.oneof(fc.constantFrom('_action=validate', '_action=logout', '_action=', ''), queryString),
          apiHeaders,
          fc.oneof(
            bodyText,
            token.map((tokenId) => JSON.stringify({ tokenId })),
          ),
          token,
          fc.constantFrom('cookie', 'header', 'none'),
          async (realm, query, headers, body, value, where) => {
            const carrier =
              where === 'cookie'
                ? { Cookie: `iPlanetDirectoryPro=${value}` }
                : where === 'header'
                  ? { iPlanetDirectoryPro: value }
                  : {};
            await exchange({
              method: 'POST',
              path: `${realm}/sessions?${query}`,
              headers: { ...headers, ...carrier },
              body,
            });
          },
        ),
        params(0.17),
      );
    },
    TIMEOUT,
  );

  it(
    'webhooks: IDEMIA and iProov with well-shaped and random keys and any body',
    async () => {
      const idemiaBody = fc.record(
        {
          sessionId: fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9-]{8,64}$/), jsonValue),
          applicationId: fc.oneof(fc.constant('proofline-sandbox-app'), jsonValue),
          timestamp: fc.oneof(fc.integer(), fc.double(), jsonValue),
          identityId: jsonValue,
          proofUrl: jsonValue,
          status: fc.oneof(fc.constantFrom('ERROR', 'HEARTBEAT_TIMEOUT', 'COMPLETED'), jsonValue),
          token: fc.oneof(fc.string({ maxLength: 210 }), jsonValue),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/webhooks/idemia/ipa/',
            '/webhooks/iproov/',
            '/webhooks/',
            '/webhooks/idemia/',
            '/webhooks/x/',
          ),
          webhookKey,
          fc.oneof(
            bodyText,
            idemiaBody.map((body) => JSON.stringify(body)),
          ),
          fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
          apiHeaders,
          async (prefix, key, body, method, headers) => {
            await exchange({
              method,
              path: `${prefix}${key}`,
              headers,
              body: method === 'GET' || method === 'HEAD' ? undefined : body,
            });
          },
        ),
        params(0.17),
      );
    },
    TIMEOUT,
  );

  it(
    'OpenID Provider: every endpoint with any method, query, cookies, headers and body',
    async () => {
      // Any visible ASCII (what a header may carry), percent signs and separators included.
      const cookieText = fc.stringMatching(/^[\x21-\x7e ]{0,100}$/);
      const oidcQuery = fc.oneof(
        queryString,
        fc
          .record(
            {
              client_id: fc.oneof(fc.constantFrom('proofline-demo', 'nobody'), fc.string({ maxLength: 40 })),
              redirect_uri: fc.oneof(fc.webUrl(), fc.string({ maxLength: 60 })),
              response_type: fc.constantFrom('code', 'token', 'none', ''),
              scope: fc.constantFrom('openid', 'openid email', '', 'x'),
              code_challenge: fc.string({ maxLength: 80 }),
              code_challenge_method: fc.constantFrom('S256', 'plain', ''),
              prompt: fc.constantFrom('none', 'login', 'consent', ''),
              claims: fc.oneof(fc.json(), fc.string({ maxLength: 60 })),
              state: fc.string({ maxLength: 20 }),
            },
            { requiredKeys: [] },
          )
          .map((q) => new URLSearchParams(q as Record<string, string>).toString()),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/oauth2/realms/root/realms/alpha/authorize',
            '/oauth2/realms/root/realms/alpha/access_token',
            '/oauth2/realms/root/realms/alpha/userinfo',
            '/oauth2/realms/root/realms/alpha/connect/jwk_uri',
            '/oauth2/realms/root/realms/alpha/connect/endSession',
            '/oauth2/realms/root/realms/alpha/connect/endSession/confirm',
            '/oauth2/realms/root/realms/alpha/token/revoke',
            '/oauth2/realms/root/realms/alpha/introspect',
            '/oauth2/realms/root/realms/alpha/interaction/abc',
            '/oauth2/realms/root/realms/alpha/authorize/abc',
            '/oauth2/realms/root/realms/alpha/.well-known/openid-configuration',
            '/oauth2/realms/root/.well-known/openid-configuration',
            '/oauth2/realms/root/realms/zeta/authorize',
            '/oauth2/x',
            '/oauth2/',
          ),
          oidcQuery,
          fc.constantFrom('GET', 'GET', 'POST', 'POST', 'OPTIONS', 'DELETE', 'HEAD'),
          apiHeaders,
          fc.oneof(
            fc.constant(undefined),
            cookieText.map((v) => `iPlanetDirectoryPro=${v}`),
            cookieText.map((v) => `proofline_op_session=${v}; proofline_op_interaction=${v}`),
            cookieText,
          ),
          fc.option(bodyText),
          async (path, query, method, headers, cookie, body) => {
            await exchange({
              method,
              path: query ? `${path}?${query}` : path,
              headers: {
                ...headers,
                ...(cookie !== undefined ? { cookie } : {}),
                ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
              },
              body: body === null || method === 'GET' || method === 'HEAD' ? undefined : body,
            });
          },
        ),
        params(0.1),
      );
    },
    TIMEOUT,
  );

  it(
    'hosted pages, their assets and the outbox, with any method, query, headers and body',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/',
            '/pages/app.js',
            '/pages/app.css',
            '/pages/nothing.js',
            '/enduser/',
            '/console',
            '/outbox',
            '/outbox/',
            '/outboxx',
            '/index.html',
            '/favicon.ico',
          ),
          queryString,
          fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
          apiHeaders,
          fc.option(bodyText),
          async (path, query, method, headers, body) => {
            await exchange({
              method,
              path: query ? `${path}?${query}` : path,
              headers,
              body: body === null || method === 'GET' || method === 'HEAD' ? undefined : body,
            });
          },
        ),
        params(0.1),
      );
    },
    TIMEOUT,
  );

  it(
    'paths: percent-encoding, //, .., unicode, odd methods and request targets, on raw sockets too',
    async () => {
      const segment = fc.oneof(
        fc.constantFrom(
          'json',
          'realms',
          'root',
          'alpha',
          'authenticate',
          'sessions',
          'webhooks',
          'idemia',
          'ipa',
          'iproov',
          'outbox',
          'pages',
          'app.js',
          'enduser',
          '',
          '.',
          '..',
          '%2e%2e',
          '%2F',
          '%2f..',
          '%',
          '%zz',
          '%00',
          '%E2%82%AC',
          '€',
          'ü',
          '\u{1F600}',
          ';',
          '@',
          ':',
          '\\',
        ),
        anyText.map(encode),
        anyText,
      );
      const target = fc.oneof(
        { weight: 6, arbitrary: fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '//',
            '//x',
            '///json/realms/root/realms/alpha/authenticate',
            'http://[bad',
            'http://x',
            'http://localhost/json/realms/root/realms/alpha/authenticate',
            'https://x:99999/',
            'ftp://x/',
            '*',
            'x',
            '',
            '?',
            '/?%',
            '/#frag',
          ),
        },
      );
      await fc.assert(
        fc.asyncProperty(
          target,
          fc.option(queryString),
          fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'FOO', 'get'),
          apiHeaders,
          fc.boolean(),
          async (path, query, method, headers, raw) => {
            const req = { method, path: query ? `${path}?${query}` : path, headers };
            const reply = raw ? await sendRaw(req) : await send(req);
            check(req, reply);
          },
        ),
        params(0.23),
      );
    },
    TIMEOUT,
  );

  it(
    'bodies: over the API limit and over the 10 MiB transport limit, declared and chunked',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            authenticate(),
            '/json/realms/root/realms/alpha/sessions?_action=validate',
            `/webhooks/idemia/ipa/${'A'.repeat(43)}`,
            `/webhooks/iproov/${'A'.repeat(43)}`,
            '/',
            '/outbox',
          ),
          fc.constantFrom(100 * 1024, 200 * 1024, 10 * MiB - 1024, 10 * MiB + 1, 11 * MiB),
          fc.boolean(),
          async (path, size, chunked) => {
            const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`}\r\n\r\n`;
            const parts = function* () {
              let left = size;
              while (left > 0) {
                const n = Math.min(left, MiB);
                left -= n;
                const data = Buffer.alloc(n, 'a');
                yield chunked
                  ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')])
                  : data;
              }
              if (chunked) yield '0\r\n\r\n';
            };
            counts.raw++;
            const reply = await rawRequest(runtime.url, head, { body: parts(), timeoutMs: 20_000 });
            const failure = reply.reset ? 'connection reset' : reply.timedOut ? 'timeout' : undefined;
            check(
              { method: 'POST', path },
              {
                status: reply.status,
                headers: reply.headers,
                body: reply.body,
                ...(failure ? { failure } : {}),
              },
            );
            if (size > 10 * MiB) expect(reply.status).toBe(413);
          },
        ),
        { numRuns: Math.max(4, Math.round(runs(0.003))), seed: SEED },
      );
    },
    TIMEOUT,
  );

  it('leaves the runtime healthy: a Login still starts, and nothing was logged as an error', async () => {
    const step = await startLogin();

    expect(step.callbacks.length).toBeGreaterThan(0);
    expect(counts.cases).toBeGreaterThanOrEqual(TOTAL);
    const logs = (output?.captured ?? []).join('');
    expect(logs).not.toMatch(/"level":"(ERROR|CRITICAL)"/);
  });
});
