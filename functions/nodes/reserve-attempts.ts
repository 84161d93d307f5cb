import * as v from 'valibot';

/**
 * `reserveAttempts` (ADR 10): a node that evaluates a credential (Identity Store Decision, KBA Verification)
 * reserves each evaluation on the account's counter of the Retry Limit Decision on its `false` outcome, with that
 * decision's limit — so that parallel guesses cannot get past the lockout.
 */
export const reserveAttemptsSchema = v.optional(
  v.strictObject({
    counter: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
    limit: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
);

type ReserveAttempts = v.InferOutput<typeof reserveAttemptsSchema>;

/** The journey lint's check of `reserveAttempts` (NodeDefinition.checkJourney): a message when miswired. */
export function checkReserveAttempts(
  self: {
    readonly config: { readonly reserveAttempts?: ReserveAttempts };
    readonly routes: Readonly<Record<string, string>>;
  },
  nodeOf: (id: string) => { readonly type: string; readonly config: unknown } | undefined,
): string | undefined {
  const reserve = self.config.reserveAttempts;
  if (!reserve) return undefined;
  const counter = nodeOf(reserve.counter);
  if (self.routes.false !== reserve.counter || counter?.type !== 'RetryLimitDecisionNode')
    return `reserveAttempts.counter must name the Retry Limit Decision on the "false" outcome (${self.routes.false})`;
  const counterConfig = counter.config as { retryLimit?: number; incrementUserAttributeOnFailure?: boolean };
  if (counterConfig.incrementUserAttributeOnFailure !== true)
    return `${reserve.counter} must save its count to the user (incrementUserAttributeOnFailure) for reserveAttempts`;
  if (counterConfig.retryLimit !== reserve.limit)
    return `reserveAttempts.limit ${reserve.limit} differs from ${reserve.counter}'s retryLimit ${String(counterConfig.retryLimit)}`;
  return undefined;
}
