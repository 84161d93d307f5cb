import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderRequestError, ProviderUnavailableError } from '../../functions/providers/errors.js';
import { clearIdemiaTokenCache, IdemiaClient } from '../../functions/providers/idemia/client.js';
import { idemiaConfigFromEnv } from '../../functions/providers/idemia/config.js';
import { IdemiaSandbox } from '../../sandboxes/idemia/server.js';

/** The real IDEMIA client against the sandbox, over HTTP. */
describe('IdemiaClient', () => {
  const sandbox = new IdemiaSandbox({
    clientId: 'client',
    clientSecret: 'secret',
    gipsApiKey: 'gips-key',
    applicationId: 'app',
    retryDelayMs: 10,
  });
  let client: IdemiaClient;

  beforeAll(async () => {
    await sandbox.start();
    client = new IdemiaClient({ ...idemiaConfigFromEnv(sandbox.env()), timeoutMs: 500 });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    clearIdemiaTokenCache();
    sandbox.setFaults({});
  });

  it('reads its configuration from the documented variables, and names a missing one', () => {
    expect(idemiaConfigFromEnv(sandbox.env()).sessionUrl).toBe(`${sandbox.url}/api/v1/sessions`);
    const { IDEMIA_GIPS_API_KEY: _missing, ...partial } = sandbox.env();
    expect(() => idemiaConfigFromEnv(partial)).toThrow(/IDEMIA_GIPS_API_KEY is required/);
  });

  it('caches the access token across sessions', async () => {
    const before = sandbox.tokenRequests;

    const sessions = [
      await client.createSession({}),
      await client.createSession({ callbackUrl: 'http://127.0.0.1:1/x' }),
    ];

    expect(sessions.map((s) => s.sessionId)).toEqual([expect.any(String), expect.any(String)]);
    expect(sandbox.tokenRequests - before).toBe(1);
  });

  it('refreshes the token once when IDEMIA answers 401', async () => {
    await client.createSession({});
    await fetch(`${sandbox.url}/sandbox/tokens/revoke`, { method: 'POST' });

    const session = await client.createSession({});

    expect(session.sessionId).toEqual(expect.any(String));
  });

  it('builds the user URL from the IPA start URL and the session id', () => {
    expect(client.startUrl('abc-123')).toBe(`${sandbox.url}/api/v1/ipa/start?session-id=abc-123`);
  });

  it('reports the token endpoint down as a transient ProviderUnavailableError', async () => {
    sandbox.setFaults({ token: 'down' });

    await expect(client.createSession({})).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('reports refused credentials as a final ProviderRequestError', async () => {
    const wrong = new IdemiaClient({
      ...idemiaConfigFromEnv(sandbox.env()),
      clientSecret: 'wrong',
      timeoutMs: 500,
    });

    await expect(wrong.createSession({})).rejects.toMatchObject({
      name: 'ProviderRequestError',
      status: 400,
    });
  });

  it('fetches the identity and the proof from GIPS with the api key; a slow GIPS times out as transient', async () => {
    const { sessionId } = await client.createSession({});
    const session = await sandbox.complete(sessionId, 'verified', { loa: 'LOA3' });
    const identityId = session?.identityId as string;

    const identity = await client.getIdentity(identityId);
    const proof = await client.getProof(`${sandbox.url}/gips/v1/identities/${identityId}/proof`);
    sandbox.setFaults({ gips: 'slow', slowMs: 2000 });
    const slow = client.getIdentity(identityId);

    expect(identity.globalStatus?.levelOfAssurance).toBe('LOA3');
    expect(proof.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    await expect(slow).rejects.toBeInstanceOf(ProviderUnavailableError);
    sandbox.setFaults({});
    await expect(client.getIdentity('gips-unknown')).rejects.toBeInstanceOf(ProviderRequestError);
    await expect(client.getProof('https://elsewhere.example/proof')).rejects.toThrow(
      /not on the configured GIPS host/,
    );
  });
});
