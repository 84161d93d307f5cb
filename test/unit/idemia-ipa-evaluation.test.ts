import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import { runNode } from '../../functions/nodes/run.js';
import type { IdemiaClient } from '../../functions/providers/idemia/client.js';
import type { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import type { IpaSession, IpaSessionRepository } from '../../functions/store/ipa-sessions.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import type { UserRepository } from '../../functions/store/users.js';

/** Node-level cases the HTTP tests do not reach: the Entra variant and IDEMIA's 30-minute expiry. */
function harness(session: IpaSession) {
  const results: unknown[] = [];
  const verifications: unknown[] = [];
  const services: NodeServices = {
    clock: systemClock,
    users: {
      recordIdentityVerification: async (_id: string, v: unknown) => void verifications.push(v),
    } as unknown as UserRepository,
    attempts: {} as AttemptRepository,
    passwords: {} as PasswordHasher,
    throttle: new ThrottleRepository({} as Store, throttlePolicyFromEnv({})),
    ipaSessions: {
      get: async (id: string) => (id === session.id ? session : undefined),
      recordResult: async (_id: string, r: unknown) => void results.push(r),
    } as unknown as IpaSessionRepository,
    idemia: {
      startUrl: (id: string) => `https://ipa.example/start?session-id=${id}`,
      getIdentity: async () => {
        throw new Error('the Entra variant must not fetch an identity');
      },
    } as unknown as IdemiaClient,
    publicBaseUrl: 'https://proofline.example',
  };
  const invoke = (config: Record<string, unknown>): NodeInvocation => ({
    node: { id: 'IpaEvaluation', type: 'IdemiaIpaEvaluationNode', config: config as never },
    context: {
      journey: 'IdentityProofing',
      realm: 'alpha',
      txId: 'tx',
      resumeAt: 'IpaEvaluation',
      memo: { sessionId: session.id, method: 'QR_CODE' },
      state: { userId: 'user-1' },
    },
  });
  return { services, invoke, results, verifications };
}

const session = (patch: Partial<IpaSession>): IpaSession => ({
  id: 'session-1',
  txId: 'tx',
  journey: 'IdentityProofing',
  realm: 'alpha',
  nodeId: 'IpaEvaluation',
  userId: 'user-1',
  status: 'CREATED',
  keyHash: 'x',
  notifications: 0,
  createdAt: new Date().toISOString(),
  sessionExpiresAt: Math.floor(Date.now() / 1000) + 1800,
  expiresAt: Math.floor(Date.now() / 1000) + 86400,
  ...patch,
});

describe('IDEMIA IPA Evaluation node', () => {
  it('completes the Entra variant on the notification alone and records the credential as issued', async () => {
    const { services, invoke, results, verifications } = harness(session({ status: 'COMPLETED' }));

    const result = await runNode(invoke({ entraVerifiedId: true }), services);

    expect(result.outcome).toBe('Success');
    expect(result.state.idemiaIpaVerifiableCredentialIssued).toBe(true);
    expect(results).toEqual([{ result: 'SUCCESS', levelOfAssurance: 'VC' }]);
    expect(verifications).toEqual([
      expect.objectContaining({ provider: 'IDEMIA IPA (Entra Verified ID)', sessionId: 'session-1' }),
    ]);
  });

  it('times out a session IDEMIA never finished once its 30 minutes are over, with the reason captured', async () => {
    const { services, invoke } = harness(session({ sessionExpiresAt: Math.floor(Date.now() / 1000) - 1 }));

    const result = await runNode(invoke({}), services);

    expect(result.outcome).toBe('Time Out');
    expect(result.state.idemiaIpaFailureReason).toEqual({
      code: 'SESSION_EXPIRED',
      message: 'The identity verification session expired.',
      exception: '',
    });
  });

  it('keeps waiting for a session still in progress', async () => {
    const { services, invoke } = harness(session({}));

    const result = await runNode(invoke({}), services);

    expect(result.outcome).toBe('suspended');
    expect(result.suspend?.callbacks.at(-1)?.type).toBe('PollingWaitCallback');
  });

  it('shows the IPA link as text next to the QR code, for a UI that cannot draw it (the Login Widget)', async () => {
    const { services, invoke } = harness(session({}));
    const url = 'https://ipa.example/start?session-id=session-1';

    const result = await runNode(invoke({}), services);
    const callbacks = result.suspend?.callbacks ?? [];
    const value = (i: number, name: string) => callbacks[i]?.output.find((o) => o.name === name)?.value;

    expect(callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'TextOutputCallback',
      'HiddenValueCallback',
      'HiddenValueCallback',
      'PollingWaitCallback',
    ]);
    expect(value(1, 'message')).toBe(`Or open this link on your phone: ${url}`);
    expect(value(1, 'messageType')).toBe('0');
    // The hidden value a custom UI draws its QR code from stays.
    expect([value(2, 'id'), value(2, 'value')]).toEqual(['ipaSessionUrl', url]);
    expect(value(3, 'id')).toBe('ipaSessionQrCode');
  });

  it('words the link in the configured text, in the client language', async () => {
    const { services, invoke } = harness(session({}));
    const invocation = invoke({ linkMessage: { en: 'Link: {{url}}', fr: 'Lien : {{url}}' } });
    invocation.context.locale = 'fr';

    const result = await runNode(invocation, services);

    expect(result.suspend?.callbacks[1]?.output[0]?.value).toBe(
      'Lien : https://ipa.example/start?session-id=session-1',
    );
  });

  it('does not repeat the link on the email step: it went to the inbox', async () => {
    const { services, invoke } = harness(session({}));
    const invocation = invoke({});
    invocation.context.memo = { sessionId: 'session-1', method: 'EMAIL' };

    const result = await runNode(invocation, services);

    expect(result.suspend?.callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'HiddenValueCallback',
      'PollingWaitCallback',
    ]);
  });

  describe("refuses an identity that is not the session's (ADR 11)", () => {
    const verified = (globalStatus: Record<string, unknown>, id?: string) => ({
      ...(id ? { id } : {}),
      globalStatus: { status: 'VERIFIED', levelOfAssurance: 'LOA3', ...globalStatus },
    });
    it.each([
      [
        'created before the session opened',
        verified({ creationDateTime: new Date(Date.now() - 3600_000).toISOString() }),
        'it was created outside the session',
      ],
      [
        'created after the session closed',
        verified({ creationDateTime: new Date(Date.now() + 3 * 3600_000).toISOString() }),
        'it was created outside the session',
      ],
      ['without a creation time', verified({}), 'it has no creation time'],
      [
        'another identity than the one asked for',
        verified({ creationDateTime: new Date().toISOString() }, 'id-other'),
        'GIPS returned another identity',
      ],
    ])('%s', async (_name, identity, why) => {
      const { services, invoke, results, verifications } = harness(
        session({ status: 'COMPLETED', identityId: 'id-1' }),
      );
      services.idemia = { getIdentity: async () => identity } as unknown as IdemiaClient;

      const result = await runNode(invoke({ failureReasonKey: 'idemiaIpaFailureReason' }), services);

      expect(result.outcome).toBe('Failure');
      expect(result.state.idemiaIpaFailureReason).toEqual({
        code: 'IDENTITY_NOT_OF_SESSION',
        message: `The identity is not this session's: ${why}.`,
        exception: '',
      });
      expect(results).toEqual([expect.objectContaining({ result: 'FAILURE' })]);
      expect(verifications).toEqual([]);
    });

    it('accepts one created while the session was open', async () => {
      const { services, invoke } = harness(session({ status: 'COMPLETED', identityId: 'id-1' }));
      services.idemia = {
        getIdentity: async () => verified({ creationDateTime: new Date().toISOString() }, 'id-1'),
      } as unknown as IdemiaClient;

      expect((await runNode(invoke({}), services)).outcome).toBe('Success');
    });
  });

  describe('storeProof', () => {
    const proofUrl = 'https://gips.example/gips/v1/identities/id-1/proof';
    /** A verified session whose identity passes, with a proof store that keeps or refuses the archive. */
    function proofHarness(put: (key: string, archive: Uint8Array) => Promise<void>) {
      const { services, invoke, results } = harness(
        session({ status: 'COMPLETED', identityId: 'id-1', proofUrl }),
      );
      const fetched: string[] = [];
      services.idemia = {
        startUrl: (id: string) => `https://ipa.example/start?session-id=${id}`,
        getIdentity: async () => ({
          globalStatus: {
            status: 'VERIFIED',
            levelOfAssurance: 'LOA3',
            creationDateTime: new Date().toISOString(),
          },
        }),
        getProof: async (url: string) => {
          fetched.push(url);
          return Buffer.from('proof archive');
        },
      } as unknown as IdemiaClient;
      services.proofs = { put };
      return { services, invoke, results, fetched };
    }

    it('keeps the proof archive under the user and session, and records where', async () => {
      const stored: Array<[string, string]> = [];
      const { services, invoke, results, fetched } = proofHarness(async (key, archive) => {
        stored.push([key, Buffer.from(archive).toString()]);
      });

      const result = await runNode(invoke({ storeProof: true }), services);

      expect(result.outcome).toBe('Success');
      expect(fetched).toEqual([proofUrl]);
      expect(stored).toEqual([['proofs/user-1/session-1.tar.gz', 'proof archive']]);
      expect(results).toEqual([
        { result: 'SUCCESS', levelOfAssurance: 'LOA3', proofKey: 'proofs/user-1/session-1.tar.gz' },
      ]);
    });

    it('still succeeds, without a proof key, when the archive cannot be kept', async () => {
      const { services, invoke, results } = proofHarness(async () => {
        throw new Error('bucket unavailable');
      });

      const result = await runNode(invoke({ storeProof: true }), services);

      expect(result.outcome).toBe('Success');
      expect(results).toEqual([{ result: 'SUCCESS', levelOfAssurance: 'LOA3' }]);
    });

    it('fetches no proof unless asked to', async () => {
      const { services, invoke, fetched } = proofHarness(async () => undefined);

      expect((await runNode(invoke({}), services)).outcome).toBe('Success');
      expect(fetched).toEqual([]);
    });
  });
});
