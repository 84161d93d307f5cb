import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderRequestError, ProviderUnavailableError } from '../../functions/providers/errors.js';
import { clearIproovTokenCache, IproovClient } from '../../functions/providers/iproov/client.js';
import { iproovConfigFromEnv } from '../../functions/providers/iproov/config.js';
import { IproovSandbox } from '../../sandboxes/iproov/server.js';

/** The real iProov client against the sandbox, over HTTP. */
describe('IproovClient', () => {
  const sandbox = new IproovSandbox({
    apiKey: 'key',
    apiSecret: 'secret',
    oauthUsername: 'oauth-user',
    oauthPassword: 'oauth-pass',
  });
  let client: IproovClient;
  let user = 0;
  const nextUser = (): string => `user-${process.pid}-${++user}`;

  beforeAll(async () => {
    await sandbox.start();
    client = new IproovClient({ ...iproovConfigFromEnv(sandbox.env()), timeoutMs: 500 });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    clearIproovTokenCache();
    sandbox.setFaults({});
  });

  it('reads its configuration from the documented variables, and names a missing one', () => {
    const { IPROOV_API_SECRET: _missing, ...partial } = sandbox.env();
    expect(() => iproovConfigFromEnv(partial)).toThrow(/IPROOV_API_SECRET is required/);
  });

  it('enrols, then verifies, a user: only server-side validation says passed', async () => {
    const userId = nextUser();
    const enrol = await client.claimToken('enrol', {
      userId,
      assuranceType: 'genuine_presence',
      resource: 'proofline',
    });
    sandbox.scan(enrol.token, 'passed');
    const enrolled = await client.validate('enrol', { userId, token: enrol.token });
    const verify = await client.claimToken('verify', {
      userId,
      assuranceType: 'genuine_presence',
      resource: 'proofline',
    });
    sandbox.scan(verify.token, 'failed', 'ambiguous_outcome');
    const verified = await client.validate('verify', { userId, token: verify.token });

    expect(enrolled).toMatchObject({ passed: true, type: 'enrol', frame_available: true });
    expect(await client.isEnrolled(userId)).toBe(true);
    expect(verified).toMatchObject({ passed: false, reason: 'ambiguous_outcome' });
  });

  it('claims verify for an enrolled user and enrol for a new one (Combined), without hiding other refusals', async () => {
    const enrolled = nextUser();
    const request = (userId: string) => ({
      userId,
      assuranceType: 'genuine_presence' as const,
      resource: 'proofline',
    });
    const first = await client.claimToken('enrol', request(enrolled));
    sandbox.scan(first.token, 'passed');
    await client.validate('enrol', { userId: enrolled, token: first.token });
    const wrongSecret = new IproovClient({ ...client.config, apiSecret: 'wrong' });

    const known = await client.claimVerifyOrEnrolToken(request(enrolled));
    const unknown = await client.claimVerifyOrEnrolToken(request(nextUser()));

    expect(known.type).toBe('verify');
    expect(sandbox.tokens.get(known.token)?.type).toBe('verify');
    expect(unknown.type).toBe('enrol');
    expect(sandbox.tokens.get(unknown.token)?.type).toBe('enrol');
    await expect(wrongSecret.claimVerifyOrEnrolToken(request(enrolled))).rejects.toMatchObject({
      status: 401,
    });
  });

  it('validates a token once: a replay is refused', async () => {
    const userId = nextUser();
    const { token } = await client.claimToken('enrol', {
      userId,
      assuranceType: 'liveness',
      resource: 'proofline',
    });
    sandbox.scan(token, 'passed');
    await client.validate('enrol', { userId, token });

    await expect(client.validate('enrol', { userId, token })).rejects.toMatchObject({
      name: 'ProviderRequestError',
      status: 400,
    });
  });

  it('refuses to verify a user who is not enrolled', async () => {
    await expect(
      client.claimToken('verify', { userId: nextUser(), assuranceType: 'genuine_presence', resource: 'p' }),
    ).rejects.toThrow(/User is not enrolled/);
  });

  it('deletes an enrolment with the OAuth token; deleting again is fine', async () => {
    const userId = nextUser();
    const { token } = await client.claimToken('enrol', {
      userId,
      assuranceType: 'liveness',
      resource: 'proofline',
    });
    sandbox.scan(token, 'passed');
    await client.validate('enrol', { userId, token });

    await client.deleteUser(userId);
    await client.deleteUser(userId);

    expect(await client.isEnrolled(userId)).toBe(false);
  });

  it('reports outages as transient and bad credentials as final', async () => {
    sandbox.setFaults({ token: 'error' });
    await expect(
      client.claimToken('enrol', { userId: nextUser(), assuranceType: 'liveness', resource: 'p' }),
    ).rejects.toBeInstanceOf(ProviderUnavailableError);
    sandbox.setFaults({});
    const wrong = new IproovClient({
      ...iproovConfigFromEnv(sandbox.env()),
      apiSecret: 'wrong',
      timeoutMs: 500,
    });
    await expect(
      wrong.claimToken('enrol', { userId: nextUser(), assuranceType: 'liveness', resource: 'p' }),
    ).rejects.toBeInstanceOf(ProviderRequestError);
  });
});
