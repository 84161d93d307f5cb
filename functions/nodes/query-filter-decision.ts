import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import { identifiedUser, identityAttribute, profileObject } from './profile.js';
import {
  evaluateQueryFilter,
  parseQueryFilter,
  type QueryFilter,
  QueryFilterSyntaxError,
} from './query-filter.js';

const configSchema = v.pipe(
  v.strictObject({
    /** An AM `_queryFilter` expression, e.g. `/preferences/marketing pr and /preferences/updates pr`. */
    queryFilter: v.string(),
    identityAttribute,
  }),
  // Parsed once, when the journey is loaded: a malformed filter fails the journey lint and the cold start.
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return { ...dataset.value, filter: parseQueryFilter(dataset.value.queryFilter) as QueryFilter };
    } catch (error) {
      if (!(error instanceof QueryFilterSyntaxError)) throw error;
      addIssue({ message: error.message, path: [queryFilterPath(dataset.value.queryFilter)] });
      return NEVER;
    }
  }),
);
type Config = v.InferOutput<typeof configSchema>;

/** The issue path of the `queryFilter` key, so the error names it (`queryFilter: Invalid query filter…`). */
function queryFilterPath(value: string) {
  return {
    type: 'object' as const,
    origin: 'value' as const,
    input: { queryFilter: value },
    key: 'queryFilter',
    value,
  };
}

/** Query Filter Decision: true when the identified user's profile matches the configured `_queryFilter`. */
export const queryFilterDecision = {
  type: 'QueryFilterDecisionNode',
  displayName: 'Query Filter Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const user = await identifiedUser(ctx);
    return { outcome: evaluateQueryFilter(ctx.config.filter, profileObject(user)) ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
