import type { Suspension, TransientState } from '../contract/journey.js';
import type { CallbackNodeDefinition, NodeContext, NodeResult } from '../contract/nodes.js';
import {
  type Callback,
  type CallbackTemplate,
  numberCallbacks,
  textOutputCallback,
} from '../shared/callbacks.js';

/** A callback node placed on a page, with its own id and validated config. */
export interface PageChild {
  definition: CallbackNodeDefinition<unknown>;
  ctx: NodeContext<unknown>;
}

export interface PageOptions {
  header?: string;
  description?: string;
  stage?: string;
}

export function transientOf(ctx: NodeContext<unknown>): TransientState {
  ctx.state.transient ??= {};
  return ctx.state.transient;
}

/**
 * Renders a step from callback nodes: messages left for this page first (as TextOutputCallbacks), then each
 * child's callbacks. The layout (how many callbacks each part has) is kept in the memo so the submitted
 * step can be split back among the children.
 */
export async function renderPage(
  page: NodeContext<unknown>,
  children: readonly PageChild[],
  options: PageOptions,
): Promise<{ suspend: Suspension }> {
  const transient = transientOf(page);
  const messages: CallbackTemplate[] = (transient.messages ?? []).map((m) =>
    textOutputCallback(m.message, m.messageType),
  );
  const parts: CallbackTemplate[][] = [];
  for (const child of children) parts.push(await child.definition.render(child.ctx));
  // Messages and failures are shown once.
  delete transient.messages;
  delete transient.failedPolicies;
  return {
    suspend: {
      callbacks: numberCallbacks([...messages, ...parts.flat()]),
      ...options,
      memo: { layout: [messages.length, ...parts.map((p) => p.length)] },
    },
  };
}

function layoutOf(memo: NodeContext<unknown>['memo'], children: number, total: number): number[] | undefined {
  const layout = memo?.layout;
  if (!Array.isArray(layout) || layout.length !== children + 1) return undefined;
  if (!layout.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) return undefined;
  const counts = layout as number[];
  return counts.reduce((a, b) => a + b, 0) === total ? counts : undefined;
}

/**
 * A page's processing: render when there is no input; otherwise give each child its callbacks, and render
 * again (with the failures) when any input fails its policies or the client asked for validation only.
 */
export async function processPage(
  page: NodeContext<unknown>,
  children: readonly PageChild[],
  options: PageOptions,
  outcome: string,
): Promise<NodeResult> {
  const input = page.input;
  if (!input) return renderPage(page, children, options);
  const layout = layoutOf(page.memo, children.length, input.length);
  if (!layout) return renderPage(page, children, options);
  let offset = layout[0] ?? 0;
  let again = false;
  for (const [index, child] of children.entries()) {
    const count = layout[index + 1] ?? 0;
    const slice: Callback[] = input.slice(offset, offset + count);
    offset += count;
    const result = await child.definition.collect(child.ctx, slice);
    again ||= result.invalid || result.validateOnly;
  }
  if (again) return renderPage(page, children, options);
  return { outcome };
}

/**
 * Declares a callback node: it renders and collects its callbacks, and on its own (outside a Page) it is a
 * one-child page with the single outcome `outcome`.
 */
export function callbackNode<C>(
  definition: Omit<CallbackNodeDefinition<C>, 'process' | 'callbackNode' | 'suspends' | 'outcomes'>,
): CallbackNodeDefinition<C> {
  const node: CallbackNodeDefinition<C> = {
    ...definition,
    callbackNode: true,
    suspends: true,
    outcomes: () => ['outcome'],
    process: (ctx) =>
      processPage(
        ctx as NodeContext<unknown>,
        [
          {
            definition: node as unknown as CallbackNodeDefinition<unknown>,
            ctx: ctx as NodeContext<unknown>,
          },
        ],
        {},
        'outcome',
      ),
  };
  return node;
}
