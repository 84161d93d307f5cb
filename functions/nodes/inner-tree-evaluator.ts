import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';

const configSchema = v.strictObject({
  /** The journey to run (AM: `tree`). The lint checks it exists and that inner journeys do not recurse. */
  tree: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a journey name')),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Inner Tree Evaluator (AM): runs another journey with the same shared state — the journey service runs it
 * (`suspend.journey`), its steps reach the client and resume inside it — then continues here: `true` when the
 * inner journey ended in success, `false` when it ended in failure (ADR 22).
 */
export const innerTreeEvaluator = {
  type: 'InnerTreeEvaluatorNode',
  displayName: 'Inner Tree Evaluator',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: true,
  innerJourneys: (config) => [config.tree],
  async process(ctx) {
    if (ctx.innerResult !== undefined) return { outcome: ctx.innerResult ? 'true' : 'false' };
    return { suspend: { callbacks: [], journey: ctx.config.tree } };
  },
} satisfies NodeDefinition<Config>;
