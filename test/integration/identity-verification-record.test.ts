import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { IpaSession } from '../../functions/contract/data.js';
import type { JourneyContext, SharedState } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { runNode } from '../../functions/nodes/run.js';
import type { IdemiaClient } from '../../functions/providers/idemia/client.js';
import { clearIproovTokenCache, IproovClient } from '../../functions/providers/iproov/client.js';
import { iproovConfigFromEnv } from '../../functions/providers/iproov/config.js';
import type { Callback } from '../../functions/shared/callbacks.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import type { IpaSessionRepository } from '../../functions/store/ipa-sessions.js';
import { IproovClaimRepository } from '../../functions/store/iproov-claims.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { UserRepository } from '../../functions/store/users.js';
import { IproovSandbox } from '../../sandboxes/iproov/server.js';
import { identity } from '../support/gips-identity.js';
import { testStore } from './test-store.js';

/**
 * What identity proofing keeps for OIDC4IDA verified_claims (issue 12): the verified names, birth date and
 * document from IDEMIA, then the face binding from iProov — on the real repositories (DynamoDB Local) and the
 * iProov sandbox.
 */
const sandbox = new IproovSandbox({
  apiKey: 'bind-key',
  apiSecret: 'bind-secret',
  oauthUsername: 'bind-oauth',
  oauthPassword: 'bind-oauth-pass',
});
let store: Store;
let users: UserRepository;

beforeAll(async () => {
  await sandbox.start();
  clearIproovTokenCache();
  store = testStore();
  users = new UserRepository(store);
});
afterAll(() => sandbox.stop());

const newUser = async (): Promise<string> =>
  (await users.create('alpha', { userName: `bind-${randomBytes(5).toString('hex')}` }, undefined)).id;

const BASE_VERIFICATION = {
  provider: 'IDEMIA IPA',
  levelOfAssurance: 'LOA2',
  verifiedAt: '2026-11-27T10:00:00.000Z',
  sessionId: 'session-1',
};

describe('IDEMIA IPA Evaluation records the verified attributes', () => {
  it('on the user, next to the provider, level, time and session (and old fields unchanged)', async () => {
    const userId = await newUser();
    const session: IpaSession = {
      id: `session-${randomBytes(4).toString('hex')}`,
      txId: 'tx',
      journey: 'IdentityProofing',
      realm: 'alpha',
      nodeId: 'IpaEvaluation',
      userId,
      status: 'COMPLETED',
      identityId: 'id-1',
      keyHash: 'x',
      notifications: 1,
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      sessionExpiresAt: Math.floor(Date.now() / 1000) + 1800,
      expiresAt: Math.floor(Date.now() / 1000) + 86400,
    };
    const services: NodeServices = {
      clock: systemClock,
      users,
      attempts: new AttemptRepository(store),
      passwords: passwordHasher,
      throttle: new ThrottleRepository(store, throttlePolicyFromEnv({})),
      ipaSessions: {
        get: async (id: string) => (id === session.id ? session : undefined),
        recordResult: async () => undefined,
      } as unknown as IpaSessionRepository,
      idemia: {
        getIdentity: async () =>
          identity({
            givenNames: 'Ada',
            surname: 'Lovelace',
            birthDate: '19901210',
            documentType: 'PASSPORT',
            issuingCountry: 'GBR',
          }),
      } as unknown as IdemiaClient,
      publicBaseUrl: 'https://proofline.example',
    };

    const result = await runNode(
      {
        node: { id: 'IpaEvaluation', type: 'IdemiaIpaEvaluationNode', config: {} as never },
        context: {
          journey: 'IdentityProofing',
          realm: 'alpha',
          txId: 'tx',
          resumeAt: 'IpaEvaluation',
          memo: { sessionId: session.id, method: 'QR_CODE' },
          state: { userId },
        },
      },
      services,
    );

    expect(result.outcome).toBe('Success');
    const user = await users.get(userId);
    expect(user?.identityVerification).toEqual({
      provider: 'IDEMIA IPA',
      levelOfAssurance: 'LOA3',
      verifiedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      sessionId: session.id,
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthdate: '1990-12-10',
      document: { type: 'PASSPORT', issuingCountry: 'GBR' },
      evidenceTime: '2026-11-27T09:59:30.000Z',
    });
  });
});

describe('UserRepository.recordFaceBinding', () => {
  it('binds the face to an existing identity verification, keeping it', async () => {
    const userId = await newUser();
    await users.recordIdentityVerification(userId, { ...BASE_VERIFICATION, givenName: 'Ada' });

    const bound = await users.recordFaceBinding(userId, {
      provider: 'iProov',
      verifiedAt: '2026-11-27T10:01:00.000Z',
    });

    expect(bound).toBe(true);
    expect((await users.get(userId))?.identityVerification).toEqual({
      ...BASE_VERIFICATION,
      givenName: 'Ada',
      faceBinding: { provider: 'iProov', verifiedAt: '2026-11-27T10:01:00.000Z' },
    });
  });

  it('writes nothing for a user without identity verification, or no user', async () => {
    const userId = await newUser();
    const before = await users.get(userId);

    expect(await users.recordFaceBinding(userId, { provider: 'iProov', verifiedAt: 'x' })).toBe(false);
    expect(await users.recordFaceBinding('no-such-user', { provider: 'iProov', verifiedAt: 'x' })).toBe(
      false,
    );
    const after = await users.get(userId);
    expect(after?.identityVerification).toBeUndefined();
    expect(after?.updatedAt).toBe(before?.updatedAt);
    expect(await users.get('no-such-user')).toBeUndefined();
  });
});

describe('iProov Authentication with recordFaceBinding', () => {
  const NODE = 'FaceEnrolment';
  const services = (): NodeServices => ({
    clock: systemClock,
    users,
    attempts: new AttemptRepository(store),
    passwords: passwordHasher,
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv({})),
    iproov: new IproovClient(iproovConfigFromEnv(sandbox.env())),
    iproovClaims: new IproovClaimRepository(store),
    publicBaseUrl: 'https://proofline.example',
  });
  const run = (config: Record<string, unknown>, state: SharedState, with_: Partial<JourneyContext> = {}) =>
    runNode(
      {
        node: { id: NODE, type: 'IproovAuthenticationNode', config: config as never },
        context: { journey: 'IdentityProofing', realm: 'alpha', txId: 'tx-bind', state, ...with_ },
      },
      services(),
    );

  /** Runs the node, plays the scan in the sandbox, answers with the SDK event. */
  async function scan(config: Record<string, unknown>, userId: string, result: 'passed' | 'failed') {
    const step = await run(config, { userId });
    expect(step.outcome, JSON.stringify(step.state)).toBe('suspended');
    const callbacks = structuredClone(step.suspend?.callbacks ?? []) as Callback[];
    const meta = callbacks.find((c) => c.type === 'MetadataCallback')?.output[0]?.value as {
      iproov: { token: string };
    };
    sandbox.scan(meta.iproov.token, result);
    const hidden = callbacks.find((c) => c.type === 'HiddenValueCallback');
    if (hidden?.input[0]) hidden.input[0].value = result;
    return run(config, step.state, {
      resumeAt: NODE,
      input: callbacks,
      ...(step.suspend?.memo ? { memo: step.suspend.memo } : {}),
    });
  }

  const CONFIG = { assuranceType: 'GPA', authenticationType: 'Combined', maxAttempts: 1 };

  it('records iProov as the face binding when the scan passes', async () => {
    const userId = await newUser();
    await users.recordIdentityVerification(userId, BASE_VERIFICATION);
    const before = Date.now();

    const done = await scan({ ...CONFIG, recordFaceBinding: true }, userId, 'passed');

    expect(done.outcome).toBe('Success');
    const binding = (await users.get(userId))?.identityVerification?.faceBinding;
    expect(binding?.provider).toBe('iProov');
    expect(Date.parse(binding?.verifiedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  it('records nothing when the scan fails, or the flag is off', async () => {
    const failed = await newUser();
    await users.recordIdentityVerification(failed, BASE_VERIFICATION);
    const unflagged = await newUser();
    await users.recordIdentityVerification(unflagged, BASE_VERIFICATION);

    expect((await scan({ ...CONFIG, recordFaceBinding: true }, failed, 'failed')).outcome).toBe('Failure');
    expect((await scan(CONFIG, unflagged, 'passed')).outcome).toBe('Success');

    expect((await users.get(failed))?.identityVerification).toEqual(BASE_VERIFICATION);
    expect((await users.get(unflagged))?.identityVerification).toEqual(BASE_VERIFICATION);
  });

  it('still succeeds for a user without identity verification, binding nothing', async () => {
    const userId = await newUser();

    const done = await scan({ ...CONFIG, recordFaceBinding: true }, userId, 'passed');

    expect(done.outcome).toBe('Success');
    expect((await users.get(userId))?.identityVerification).toBeUndefined();
  });
});
