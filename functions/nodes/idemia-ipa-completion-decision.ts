import * as v from 'valibot';
import { nowSeconds } from '../contract/clock.js';
import { JourneyConfigurationError } from '../contract/errors.js';
import type { NodeDefinition } from '../contract/nodes.js';
import { CONTINUE_SESSION_KEY } from './idemia-ipa-evaluation.js';

const configSchema = v.strictObject({});

/**
 * IDEMIA IPA Completion Decision: routes on the user's latest IPA session (PingOne Verify Completion
 * Decision's semantics). Not Completed puts the session id in shared state so the Evaluation continues it.
 */
export const idemiaIpaCompletionDecision = {
  type: 'IdemiaIpaCompletionDecisionNode',
  displayName: 'IDEMIA IPA Completion Decision',
  family: 'idemia',
  configSchema,
  outcomes: () => ['Success', 'Not Completed', 'Not Started', 'Failure', 'Expired'],
  suspends: false,
  async process(ctx) {
    const { ipaSessions } = ctx.services;
    if (!ipaSessions)
      throw new JourneyConfigurationError(`${ctx.nodeId}: the IPA sessions table is not configured`);
    const userId = ctx.state.userId;
    if (!userId)
      throw new JourneyConfigurationError(`${ctx.nodeId}: no identified user (sign the user in first)`);
    const session = await ipaSessions.latestForUser(userId);
    if (!session) return { outcome: 'Not Started' };
    if (session.result === 'SUCCESS') return { outcome: 'Success' };
    if (session.result === 'FAILURE' || session.status === 'ERROR') return { outcome: 'Failure' };
    if (session.status === 'HEARTBEAT_TIMEOUT') return { outcome: 'Expired' };
    if (session.status === 'CREATED' && nowSeconds(ctx.services.clock) >= session.sessionExpiresAt)
      return { outcome: 'Expired' };
    ctx.state[CONTINUE_SESSION_KEY] = session.id;
    return { outcome: 'Not Completed' };
  },
} satisfies NodeDefinition<Record<string, never>>;
