import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import { attributePointer, identifiedUser, identityAttribute, profileObject } from './profile.js';
import { parsePointer, resolvePointer } from './query-filter.js';

const MINUTES_PER_UNIT: Readonly<Record<string, number>> = {
  m: 1,
  min: 1,
  mins: 1,
  minute: 1,
  minutes: 1,
  h: 60,
  hour: 60,
  hours: 60,
  d: 1440,
  day: 1440,
  days: 1440,
  w: 10080,
  week: 10080,
  weeks: 10080,
};

/**
 * AM's Elapsed Time: minutes (`10080`, as a number or a string), or an amount with a unit (`7 days`, `1 week`,
 * `12 hours`, `30 minutes`). Undefined when it is none of these.
 */
export function elapsedMinutes(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : MINUTES_PER_UNIT[unit];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

const configSchema = v.strictObject({
  /** How long since the user's `attribute` time, in minutes or with a unit (`1 week`). */
  elapsedTime: v.pipe(
    v.union([v.number(), v.string()]),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const minutes = elapsedMinutes(dataset.value);
      if (minutes !== undefined) return minutes;
      addIssue({
        message: 'must be minutes, or an amount with a unit: minutes, hours, days, weeks (`7 days`)',
      });
      return NEVER;
    }),
  ),
  /**
   * The user's attribute holding the time (ISO 8601). AM always uses the creation date (IDM's `createDate`,
   * which Proofline reads as its `createdAt`); `lastLogin` also works.
   */
  attribute: v.optional(attributePointer, 'createdAt'),
  identityAttribute,
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Time Since Decision: true when at least `elapsedTime` minutes have passed since the identified user's
 * `attribute` time (by the services' clock); false before, and when the user has no such time.
 */
export const timeSinceDecision = {
  type: 'TimeSinceDecisionNode',
  displayName: 'Time Since Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const user = await identifiedUser(ctx);
    const value = resolvePointer(profileObject(user), parsePointer(ctx.config.attribute));
    const since = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(since)) return { outcome: 'false' };
    const elapsed = ctx.services.clock.nowMs() - since;
    return { outcome: elapsed >= ctx.config.elapsedTime * 60_000 ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
