import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';

/** The session properties Proofline's sessions hold, by AM's key: both are the username in AM. */
const SESSION_DATA_KEYS = ['UserToken', 'UserId'] as const;

/** Shared-state keys other nodes own in ways a session value must not overwrite. */
const RESERVED_STATE_KEYS = new Set(['userId', 'objectAttributes', 'retryCounts', 'transient']);

const configSchema = v.strictObject({
  /** The session property to read (AM: Session Data Key): `UserToken` (AM's key for the username) or `UserId`. */
  sessionDataKey: v.picklist(SESSION_DATA_KEYS, `must be one of ${SESSION_DATA_KEYS.join(', ')}`),
  /** Where to put it in shared state (AM: Shared State Key); `username` is what the other nodes read. */
  sharedStateKey: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a plain shared-state key'),
    v.check((key) => !RESERVED_STATE_KEYS.has(key), 'must not be a key other nodes own'),
  ),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Get Session Data (AM's `SessionDataNode`): copies a property of the signed-in user's session — the token comes
 * with the request, as AM takes it (the `iPlanetDirectoryPro` header or cookie), and must be live and of this
 * realm — into shared state, and identifies the session's user (`userId`) for the nodes after it.
 *
 * AM fails the journey with an error when there is no session (its docs advise checking `existingSession` in a
 * scripted decision first). Proofline's nodes turn what a user can cause into outcomes (ADR 5), so this node has a
 * second outcome, `noSession`, which a journey routes to its Failure (AM's 401).
 */
export const getSessionData = {
  type: 'SessionDataNode',
  displayName: 'Get Session Data',
  family: 'identity',
  configSchema,
  outcomes: () => ['outcome', 'noSession'],
  suspends: false,
  async process(ctx) {
    const { session } = ctx;
    if (!session) return { outcome: 'noSession' };
    // Both keys are the username in AM's session (its UserId is the login name, not the identity's id).
    ctx.state[ctx.config.sharedStateKey] = session.userName;
    ctx.state.userId = session.userId;
    return { outcome: 'outcome' };
  },
} satisfies NodeDefinition<Config>;
