import * as v from 'valibot';
import type { ThrottleKey } from '../contract/data.js';
import { accountKey, accountThrottleId, clientKey } from '../contract/keys.js';
import type { NodeContext, NodeDefinition } from '../contract/nodes.js';
import { ThrottledError } from '../shared/throttled.js';
import { textFor } from './messages.js';
import { transientOf } from './page-support.js';
import { checkReserveAttempts, reserveAttemptsSchema } from './reserve-attempts.js';
import { FAILURES } from './texts.js';

const configSchema = v.strictObject({
  /** The message the next page shows after a failed check: a text, or one per locale (default: Proofline's). */
  failureMessage: v.optional(v.union([v.string(), v.record(v.string(), v.string())])),
  /**
   * Count every password evaluation on the account's counter of the Retry Limit Decision `counter` (the node on
   * this node's `false` outcome, saving to the user) *before* evaluating it, and evaluate nothing once `limit`
   * attempts are counted: the limit holds however many attempts arrive in parallel (ADR 10). The journey lint
   * checks both values against that node.
   */
  reserveAttempts: reserveAttemptsSchema,
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Identity Store Decision: true when the username and password match an active user; Locked when the account
 * is locked — then no password is evaluated at all; false otherwise. While its attempts are all taken by
 * attempts in flight, a further one is throttled (429, try again) and not evaluated either. Unknown and
 * known usernames take the same path with the same reads, writes and hash computation, so neither the answer,
 * the lockout nor the time tells who has an account. The password leaves the shared state once evaluated.
 */
export const identityStoreDecision = {
  type: 'IdentityStoreDecisionNode',
  displayName: 'Identity Store Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false', 'Locked'],
  suspends: false,
  checkJourney: checkReserveAttempts,
  async process(ctx) {
    const transient = transientOf(ctx);
    const password = transient.password ?? '';
    // Consumed here: no later node, Lambda payload or execution output carries it.
    delete transient.password;
    const username = ctx.state.username ?? '';
    const fail = (): { outcome: 'false' } => {
      transient.messages = [
        ...(transient.messages ?? []),
        { message: textFor(ctx, ctx.config.failureMessage, FAILURES.invalidCredentials), messageType: '2' },
      ];
      return { outcome: 'false' };
    };
    if (username === '') return fail();
    const { attempts, passwords, throttle, users } = ctx.services;
    const key = accountKey(ctx.realm, username);
    const throttled = credentialThrottleKeys(ctx as NodeContext<unknown>, key);
    // Counted before anything is evaluated, so parallel attempts cannot get past the limits; over them: 429,
    // nothing evaluated, and the same step may be sent again after Retry-After. A right password gives its
    // event back (the counts are of failures).
    await throttle.consume(throttled);
    const reserve = ctx.config.reserveAttempts;
    const reservation = await attempts.reserve(key, reserve?.counter ?? ctx.nodeId, reserve?.limit);
    if (!reservation.reserved) {
      if (reservation.locked) return { outcome: 'Locked' };
      // The limit is taken by attempts still in flight: one may succeed and release it. Not a lock: try again.
      throw new ThrottledError(1);
    }
    const user = await users.findByUserName(ctx.realm, username);
    const matches = user?.passwordHash
      ? await passwords.verify(password, user.passwordHash)
      : await passwords.burn(password);
    if (user && matches) {
      if (user.accountStatus !== 'active') {
        // Disabled by an operator: the right password is no failure to count.
        await attempts.clear(key, reserve?.counter ?? ctx.nodeId);
        return { outcome: 'Locked' };
      }
      ctx.state.userId = user.id;
      await attempts.clear(key, reserve?.counter ?? ctx.nodeId);
      const [account, ...clients] = throttled;
      await throttle.clear(account as ThrottleKey);
      for (const client of clients) await throttle.refund(client);
      if (user.passwordHash && passwords.needsRehash(user.passwordHash)) {
        // Older hashes (scrypt, weaker Argon2id) are replaced while the password is at hand (ADR 8).
        await users.updatePasswordHash(user.id, await passwords.hash(password), user.passwordHash);
      }
      return { outcome: 'true' };
    }
    if (reserve)
      transient.countedAttempts = { ...transient.countedAttempts, [reserve.counter]: reservation.count };

    return fail();
  },
} satisfies NodeDefinition<Config>;

/** The failed-credential throttles of an attempt: its account first, then its client address (when known). */
export function credentialThrottleKeys(ctx: NodeContext<unknown>, account: string): ThrottleKey[] {
  const { policy } = ctx.services.throttle;
  const client = clientKey(ctx.clientIp);
  return [
    { id: accountThrottleId(account), limit: policy.credentialsPerAccount },
    ...(client ? [{ id: `cred#${client}`, limit: policy.credentialsPerClient }] : []),
  ];
}
