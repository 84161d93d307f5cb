import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import { kbaSettingsEntries } from './kba-settings.js';

const configSchema = v.strictObject({
  minimumAnswersToDefine: kbaSettingsEntries.minimumAnswersToDefine,
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * KBA Decision: `true` when the identified user (`userId`) has defined at least `minimumAnswersToDefine`
 * security questions, `false` otherwise (and when no user is identified) — ProgressiveProfile then sends them
 * to the KBA Definition, e.g. users registered before KBA, or after "must define" was raised.
 */
export const kbaDecision = {
  type: 'KbaDecisionNode',
  displayName: 'KBA Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const user = ctx.state.userId ? await ctx.services.users.get(ctx.state.userId) : undefined;
    const defined = user?.kbaInfo?.length ?? 0;
    return { outcome: defined >= ctx.config.minimumAnswersToDefine ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
