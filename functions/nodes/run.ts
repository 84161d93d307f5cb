import type {
  CARRIED_CONTEXT_FIELDS,
  JourneyContext,
  NodeInvocation,
  SharedState,
} from '../contract/journey.js';
import { SUSPENDED } from '../contract/journey.js';
import type { NodeServices } from '../contract/nodes.js';
import { effectiveLocale } from './messages.js';
import { getNodeDefinition, parseNodeConfig } from './registry.js';

/**
 * Runs one node for a Task state: the body of the node Lambda. Input reaches the node only when the journey
 * resumes at it; the returned context carries the outcome (or the suspension) and the updated shared state.
 */
export async function runNode(invocation: NodeInvocation, services: NodeServices): Promise<JourneyContext> {
  const { node, context } = invocation;
  const definition = getNodeDefinition(node.type);
  const config = parseNodeConfig(definition, node.config, node.id);
  const resuming = context.resumeAt === node.id;
  const state: SharedState = structuredClone(context.state ?? {});
  const result = await definition.process({
    nodeId: node.id,
    config,
    journey: context.journey,
    realm: context.realm,
    txId: context.txId,
    // The client's locale when configured, else the first configured one (the fallback of every text).
    locale: effectiveLocale(context.locale ?? undefined, services.locales),
    ...(context.clientIp ? { clientIp: context.clientIp } : {}),
    ...(context.session ? { session: context.session } : {}),
    ...(resuming && context.input ? { input: context.input } : {}),
    ...(resuming && context.memo ? { memo: context.memo } : {}),
    ...(resuming && context.returnCode ? { returnCode: context.returnCode } : {}),
    ...(resuming && typeof context.innerResult === 'boolean' ? { innerResult: context.innerResult } : {}),
    state,
    services,
  });
  // Every field that outlives a node (CARRIED_CONTEXT_FIELDS), the optional ones as null: a Pass state that
  // stands in for a node reads them by JSONPath, which fails on an absent field.
  const base = {
    journey: context.journey,
    realm: context.realm,
    txId: context.txId,
    locale: context.locale ?? null,
    clientIp: context.clientIp ?? null,
    session: context.session ?? null,
    state,
  } satisfies Record<(typeof CARRIED_CONTEXT_FIELDS)[number], unknown>;
  if ('suspend' in result)
    return { ...base, outcome: SUSPENDED, suspendedAt: node.id, suspend: result.suspend };
  const declared = definition.outcomes(config);
  if (!declared.includes(result.outcome)) {
    throw new Error(`Node ${node.id} (${node.type}) returned undeclared outcome "${result.outcome}"`);
  }
  return { ...base, outcome: result.outcome };
}
