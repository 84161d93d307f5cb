import * as v from 'valibot';
import { JourneyConfigurationError } from '../contract/errors.js';
import type { NodeDefinition, NodeLookup } from '../contract/nodes.js';
import { textFor } from './messages.js';
import { type PageChild, processPage } from './page-support.js';

const childSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_-]*$/)),
  type: v.string(),
  config: v.optional(v.record(v.string(), v.unknown())),
});

/** A text, or one per locale (AM's localized Page Header and Page Description: the first entry the default). */
const localizable = v.union([
  v.string(),
  v.pipe(
    v.record(v.string(), v.string()),
    v.check((texts) => Object.keys(texts).length > 0, 'a localized text needs at least one locale'),
  ),
]);

const configSchema = v.strictObject({
  nodes: v.pipe(v.array(childSchema), v.minLength(1)),
  header: v.optional(localizable),
  description: v.optional(localizable),
  stage: v.optional(v.string()),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Page node: shows several callback nodes on one step. Its outcome is its last child's single outcome, as in
 * AM (the callback nodes Proofline ships have exactly one). Its children are found through `nodes` (the
 * registry, which holds the Page itself: a port, so that this module does not import the registry back).
 * `header` and `description` are a text or one per locale, given in the step's locale (`textFor`).
 */
export const pageNode = (nodes: Pick<NodeLookup, 'getCallbackNode' | 'parseNodeConfig'>) =>
  ({
    type: 'PageNode',
    displayName: 'Page',
    family: 'identity',
    configSchema,
    outcomes: () => ['outcome'],
    suspends: true,
    process(ctx) {
      const children: PageChild[] = ctx.config.nodes.map((child) => {
        const definition = nodes.getCallbackNode(child.type);
        if (!definition)
          throw new JourneyConfigurationError(`Page ${ctx.nodeId}: ${child.type} cannot be placed on a page`);
        return {
          definition,
          ctx: {
            ...ctx,
            nodeId: child.id,
            config: nodes.parseNodeConfig(definition, child.config, child.id),
          },
        };
      });
      const { header, description, stage } = ctx.config;
      return processPage(
        ctx,
        children,
        {
          ...(header === undefined ? {} : { header: textFor(ctx, header, {}) }),
          ...(description === undefined ? {} : { description: textFor(ctx, description, {}) }),
          ...(stage === undefined ? {} : { stage }),
        },
        'outcome',
      );
    },
  }) satisfies NodeDefinition<Config>;
