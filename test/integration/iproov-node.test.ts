import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { JourneyContext, SharedState } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { runNode } from '../../functions/nodes/run.js';
import { clearIproovTokenCache, IproovClient } from '../../functions/providers/iproov/client.js';
import { iproovConfigFromEnv } from '../../functions/providers/iproov/config.js';
import type { Callback } from '../../functions/shared/callbacks.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import { IproovClaimRepository } from '../../functions/store/iproov-claims.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { UserRepository } from '../../functions/store/users.js';
import { IproovSandbox } from '../../sandboxes/iproov/server.js';
import { testStore } from './test-store.js';

/**
 * The iProov node with the real client against the iProov sandbox over HTTP, and the real repositories on
 * DynamoDB Local: Enrol, Verify, Combined, GPA/LA, retries, cancel, misconfiguration, seed 002's modes.
 */
const sandbox = new IproovSandbox({
  apiKey: 'node-key',
  apiSecret: 'node-secret',
  oauthUsername: 'node-oauth',
  oauthPassword: 'node-oauth-pass',
});
let services: NodeServices;
let users: UserRepository;

beforeAll(async () => {
  await sandbox.start();
  clearIproovTokenCache();
  const store: Store = testStore();
  users = new UserRepository(store);
  services = {
    clock: systemClock,
    users,
    attempts: new AttemptRepository(store),
    passwords: passwordHasher,
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv({})),
    iproov: new IproovClient(iproovConfigFromEnv(sandbox.env())),
    iproovClaims: new IproovClaimRepository(store),
    publicBaseUrl: 'https://proofline.example',
  };
});
afterAll(() => sandbox.stop());

async function newUser(): Promise<string> {
  const user = await users.create('alpha', { userName: `face-${randomBytes(5).toString('hex')}` }, undefined);
  return user.id;
}

type Config = Record<string, unknown>;

const NODE = 'Face';
const run = (config: Config, state: SharedState, with_: Partial<JourneyContext> = {}) =>
  runNode(
    {
      node: { id: NODE, type: 'IproovAuthenticationNode', config: config as never },
      context: {
        journey: 'Test',
        realm: 'alpha',
        txId: `tx-${randomBytes(4).toString('hex')}`,
        state,
        ...with_,
      },
    },
    services,
  );

/** The client's answer to a scan step: the SDK's event in the iproovResult hidden value (or nothing). */
function answer(step: JourneyContext, event?: string): Partial<JourneyContext> {
  const callbacks = structuredClone(step.suspend?.callbacks ?? []) as Callback[];
  const hidden = callbacks.find((c) => c.type === 'HiddenValueCallback');
  if (event !== undefined && hidden?.input[0]) hidden.input[0].value = event;
  return {
    resumeAt: NODE,
    input: callbacks,
    ...(step.suspend?.memo ? { memo: step.suspend.memo } : {}),
  };
}

const metadata = (step: JourneyContext): Record<string, unknown> => {
  const callback = step.suspend?.callbacks.find((c) => c.type === 'MetadataCallback');
  const data = callback?.output[0]?.value as { iproov?: Record<string, unknown> } | undefined;
  if (!data?.iproov) throw new Error(`no iProov metadata in ${JSON.stringify(step.suspend)}`);
  return data.iproov;
};

/** Runs the node, plays the scan in the sandbox, and answers with the SDK event. */
async function scan(
  config: Config,
  state: SharedState,
  result: 'passed' | 'failed' | 'canceled' | 'error',
  event: string = result,
): Promise<{ step: JourneyContext; done: JourneyContext }> {
  const step = await run(config, state);
  expect(step.outcome, JSON.stringify(step.state)).toBe('suspended');
  sandbox.scan(metadata(step).token as string, result);
  const done = await run(config, step.state, answer(step, event));
  return { step, done };
}

describe('iProov Authentication node', () => {
  it('enrols a new user: the SDK gets the token and options, iProov validates, the response is kept without the frame', async () => {
    const userId = await newUser();

    const { step, done } = await scan(
      { authenticationType: 'Enrol', sdk: { customTitle: 'Hi' } },
      { userId },
      'passed',
    );

    expect(step.suspend?.callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'MetadataCallback',
      'HiddenValueCallback',
    ]);
    expect(metadata(step)).toMatchObject({
      token: expect.any(String),
      baseUrl: sandbox.url,
      type: 'enrol',
      assuranceType: 'genuine_presence',
      sdkVersion: '5.0.0',
      filter: 'shaded',
      network_timeout: 20,
      aria_live: 'assertive',
      custom_title: 'Hi',
      resultsUrl: expect.stringMatching(/^https:\/\/proofline\.example\/webhooks\/iproov\/[\w-]{43}$/),
    });
    expect(step.suspend?.callbacks[2]?.output).toEqual([
      { name: 'value', value: '' },
      { name: 'id', value: 'iproovResult' },
    ]);
    expect(done.outcome).toBe('Success');
    expect(sandbox.enrolled.has(userId)).toBe(true);
    expect(done.state.iProovValidateResponse).toMatchObject({ passed: true, type: 'enrol' });
    expect(done.state.iProovValidateResponse).not.toHaveProperty('frame');
    expect(done.state).not.toHaveProperty('iProoveValidatePhoto');
  });

  it('verifies an enrolled user, and returns the photo only when configured', async () => {
    const userId = await newUser();
    await scan({ authenticationType: 'Enrol' }, { userId }, 'passed');

    const { step, done } = await scan(
      { authenticationType: 'Verify', returnPhoto: true },
      { userId },
      'passed',
    );

    expect(metadata(step).type).toBe('verify');
    expect(done.outcome).toBe('Success');
    expect(done.state.iProoveValidatePhoto).toEqual(expect.stringMatching(/^\/9j\//));
  });

  it('answers Error with the reason when Verify meets a user iProov does not know', async () => {
    const userId = await newUser();

    const result = await run({ authenticationType: 'Verify' }, { userId });

    expect(result.outcome).toBe('Error');
    expect(result.state.iProovErrorReason).toMatchObject({ code: 'VERIFY_REFUSED' });
  });

  it('Combined enrols a new user and verifies an enrolled one', async () => {
    const userId = await newUser();

    const first = await scan({ authenticationType: 'Combined' }, { userId }, 'passed');
    const second = await scan({ authenticationType: 'Combined' }, { userId }, 'passed');

    expect(metadata(first.step).type).toBe('enrol');
    expect(metadata(second.step).type).toBe('verify');
    expect([first.done.outcome, second.done.outcome]).toEqual(['Success', 'Success']);
  });

  it('claims Liveness Assurance tokens for LA, with the LA-only filters', async () => {
    const userId = await newUser();

    const { step, done } = await scan(
      { assuranceType: 'LA', sdk: { filter: 'clear' } },
      { userId },
      'passed',
    );

    expect(metadata(step)).toMatchObject({ assuranceType: 'liveness', filter: 'clear' });
    expect(sandbox.tokens.get(metadata(step).token as string)?.assuranceType).toBe('liveness');
    expect(done.outcome).toBe('Success');
    await expect(run({ assuranceType: 'GPA', sdk: { filter: 'blur' } }, { userId })).rejects.toThrow(
      /Liveness Assurance/,
    );
  });

  it('retries a failed scan with a message, and fails after the third', async () => {
    const userId = await newUser();
    let state: SharedState = { userId };
    const outcomes: string[] = [];
    let retryMessage: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const { step, done } = await scan({}, state, 'failed');
      if (attempt === 1) retryMessage = step.suspend?.callbacks[0]?.output;
      outcomes.push(done.outcome as string);
      state = done.state;
    }

    expect(outcomes).toEqual(['Retry', 'Retry', 'Failure']);
    expect(retryMessage).toEqual([
      { name: 'message', value: 'The face scan did not succeed. Try again (attempts left: 2).' },
      { name: 'messageType', value: '1' },
    ]);
    expect(state.iProovErrorReason).toMatchObject({ code: 'NOT_PASSED' });
  });

  it('does not believe a client that says "passed" for a scan iProov failed', async () => {
    const userId = await newUser();

    const { done } = await scan({}, { userId }, 'failed', 'passed');

    expect(done.outcome).toBe('Retry');
    expect(done.state.iProovValidateResponse).toMatchObject({ passed: false });
  });

  it('answers Cancel when the user cancels, and Error (not a failed attempt) when the device cannot scan', async () => {
    const canceled = await scan({}, { userId: await newUser() }, 'canceled');
    const device = [];
    for (const event of ['error', 'unsupported', 'permission_denied', 'no_camera'])
      device.push(await scan({}, { userId: await newUser() }, 'error', event));

    expect(canceled.done.outcome).toBe('Cancel');
    // Only iProov's validate decides a failed face attempt: the client's word that it could not scan is no
    // Failure, so no Retry Limit Decision counts it toward a lockout.
    expect(device.map((d) => d.done.outcome)).toEqual(['Error', 'Error', 'Error', 'Error']);
    expect(device.map((d) => (d.done.state.iProovErrorReason as { code: string }).code)).toEqual([
      'SDK_ERROR',
      'SDK_UNSUPPORTED',
      'SDK_PERMISSION_DENIED',
      'SDK_NO_CAMERA',
    ]);
  });

  it('shows the same step again while nothing is reported, and forgets the claim once used', async () => {
    const userId = await newUser();
    const step = await run({}, { userId });

    const again = await run({}, step.state, answer(step));
    sandbox.scan(metadata(step).token as string, 'passed');
    const done = await run({}, again.state, answer(again, 'passed'));
    // The same step submitted after its result: the claim is gone, so a new scan starts.
    const replayed = await run({}, done.state, answer(again, 'passed'));

    expect(metadata(again).token).toBe(metadata(step).token);
    expect(done.outcome).toBe('Success');
    expect(replayed.outcome).toBe('suspended');
    expect(metadata(replayed).token).not.toBe(metadata(step).token);
  });

  it('crossDevice: the step also asks the client to poll, and a report on the results webhook is what counts', async () => {
    const userId = await newUser();
    const step = await run({ crossDevice: true, pollingWaitMs: 3000 }, { userId });
    const polling = step.suspend?.callbacks.at(-1);
    const { publicBaseUrl: _none, ...withoutBase } = services;

    const unconfigured = await runNode(
      {
        node: { id: NODE, type: 'IproovAuthenticationNode', config: { crossDevice: true } },
        context: { journey: 'Test', realm: 'alpha', txId: 'tx', state: { userId } },
      },
      withoutBase,
    );

    expect(polling?.type).toBe('PollingWaitCallback');
    expect(polling?.output).toContainEqual({ name: 'waitTime', value: '3000' });
    expect(metadata(step).resultsUrl).toEqual(expect.stringContaining('/webhooks/iproov/'));
    expect(unconfigured.outcome).toBe('Error');
    expect(unconfigured.state.iProovErrorReason).toMatchObject({ code: 'NOT_CONFIGURED' });
  });

  it('answers Error when iProov is not configured or refuses the credentials', async () => {
    const userId = await newUser();
    const { iproov: _unused, ...unconfigured } = services;
    const wrongSecret = new IproovClient({ ...iproovConfigFromEnv(sandbox.env()), apiSecret: 'wrong' });

    const missing = await runNode(
      {
        node: { id: NODE, type: 'IproovAuthenticationNode', config: {} },
        context: { journey: 'Test', realm: 'alpha', txId: 'tx', state: { userId } },
      },
      unconfigured,
    );
    const refused = await runNode(
      {
        node: { id: NODE, type: 'IproovAuthenticationNode', config: {} },
        context: { journey: 'Test', realm: 'alpha', txId: 'tx', state: { userId } },
      },
      { ...services, iproov: wrongSecret },
    );
    // A name alone identifies nobody: the face step follows a node that identified the user (ADR 10).
    const unknownUser = await run({}, { username: (await users.get(userId))?.userName as string });

    expect(missing.outcome).toBe('Error');
    expect(missing.state.iProovErrorReason).toMatchObject({ code: 'NOT_CONFIGURED' });
    expect(refused.outcome).toBe('Error');
    expect(refused.state.iProovErrorReason).toMatchObject({ code: 'IPROOV_REFUSED' });
    expect(unknownUser.outcome).toBe('Error');
    expect(unknownUser.state.iProovErrorReason).toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('liveness only: any real face passes and no enrolment is left behind', async () => {
    const before = [...sandbox.enrolled];

    const { step, done } = await scan({ mode: 'livenessOnly', assuranceType: 'LA' }, {}, 'passed');

    expect(metadata(step).type).toBe('enrol');
    expect(done.outcome).toBe('Success');
    expect([...sandbox.enrolled]).toEqual(before);
  });

  describe('reference photo', () => {
    const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(64), 0xff, 0xd9]);
    const dataUrl = (bytes: Buffer, type = 'image/jpeg') => `data:${type};base64,${bytes.toString('base64')}`;

    it('verifies the face against the photo, then deletes the reference enrolment and the photo', async () => {
      const before = [...sandbox.enrolled];

      const { step, done } = await scan(
        { mode: 'referencePhoto' },
        { iproovReferencePhoto: dataUrl(JPEG) },
        'passed',
      );

      expect(metadata(step).type).toBe('verify');
      expect(
        sandbox
          .imageEnrolments()
          .some((t) => t.userId === sandbox.tokens.get(metadata(step).token as string)?.userId),
      ).toBe(true);
      expect(done.outcome).toBe('Success');
      expect([...sandbox.enrolled]).toEqual(before);
      expect(done.state).not.toHaveProperty('iproovReferencePhoto');
    });

    it('takes the photo out of shared state at once, and verifies every attempt against one enrolment', async () => {
      const before = [...sandbox.enrolled];

      const first = await run({ mode: 'referencePhoto' }, { iproovReferencePhoto: dataUrl(JPEG) });
      sandbox.scan(metadata(first).token as string, 'failed');
      const retry = await run({ mode: 'referencePhoto' }, first.state, answer(first, 'failed'));
      // Retry loops back to the node within the same execution, with the same shared state.
      const second = await run({ mode: 'referencePhoto' }, retry.state);
      sandbox.scan(metadata(second).token as string, 'passed');
      const done = await run({ mode: 'referencePhoto' }, second.state, answer(second, 'passed'));

      // The suspension (persisted in the transaction) and every later payload are without the photo.
      expect(JSON.stringify(first)).not.toContain('/9j/');
      expect(first.state).not.toHaveProperty('iproovReferencePhoto');
      expect(retry.outcome).toBe('Retry');
      const userOf = (step: JourneyContext) => sandbox.tokens.get(metadata(step).token as string)?.userId;
      expect(userOf(second)).toBe(userOf(first));
      expect(sandbox.imageEnrolments().filter((t) => t.userId === userOf(first))).toHaveLength(1);
      expect(done.outcome).toBe('Success');
      expect([...sandbox.enrolled]).toEqual(before);
      expect(done.state.transient?.referenceEnrolments ?? {}).toEqual({});
    });

    it.each([
      [
        'too large',
        { iproovReferencePhoto: dataUrl(Buffer.concat([JPEG, Buffer.alloc(300_000)])) },
        'REFERENCE_PHOTO_TOO_LARGE',
      ],
      [
        'not a JPEG',
        { iproovReferencePhoto: dataUrl(Buffer.from('\x89PNG\r\n\x1a\n'), 'image/png') },
        'REFERENCE_PHOTO_INVALID',
      ],
      [
        'JPEG-labelled but not a JPEG',
        { iproovReferencePhoto: dataUrl(Buffer.from('GIF89a')) },
        'REFERENCE_PHOTO_INVALID',
      ],
      ['missing', {}, 'REFERENCE_PHOTO_MISSING'],
    ])('answers Error for a reference photo %s, with the reason', async (_label, state, code) => {
      const result = await run({ mode: 'referencePhoto' }, state as SharedState);

      expect(result.outcome).toBe('Error');
      expect(result.state.iProovErrorReason).toMatchObject({ code, message: expect.any(String) });
    });
  });
});
