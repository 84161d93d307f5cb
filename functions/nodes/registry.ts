import * as v from 'valibot';
import { JourneyConfigurationError } from '../contract/errors.js';
import {
  type CallbackNodeDefinition,
  isCallbackNode,
  type NodeDefinition,
  type NodeLookup,
} from '../contract/nodes.js';
import { acceptTermsAndConditions } from './accept-terms-and-conditions.js';
import { accountLockout } from './account-lockout.js';
import { attributeCollector } from './attribute-collector.js';
import { attributePresentDecision } from './attribute-present-decision.js';
import { attributeValueDecision } from './attribute-value-decision.js';
import { consentMapping } from './consent-mapping.js';
import { createObject } from './create-object.js';
import { emailSuspend } from './email-suspend.js';
import { emailTemplate } from './email-template.js';
import { getSessionData } from './get-session-data.js';
import { idemiaIpaCompletionDecision } from './idemia-ipa-completion-decision.js';
import { idemiaIpaEvaluation } from './idemia-ipa-evaluation.js';
import { identifyExistingUser } from './identify-existing-user.js';
import { identityStoreDecision } from './identity-store-decision.js';
import { incrementLoginCount } from './increment-login-count.js';
import { innerTreeEvaluator } from './inner-tree-evaluator.js';
import { iproovAuthentication } from './iproov-authentication.js';
import { kbaCreate } from './kba-create.js';
import { kbaDecision } from './kba-decision.js';
import { kbaVerify } from './kba-verify.js';
import { loginCountDecision } from './login-count-decision.js';
import { pageNode } from './page.js';
import { patchObject } from './patch-object.js';
import { platformPassword } from './platform-password.js';
import { platformUsername } from './platform-username.js';
import { profileCompletenessDecision } from './profile-completeness-decision.js';
import { queryFilterDecision } from './query-filter-decision.js';
import { retryLimitDecision } from './retry-limit-decision.js';
import { termsAndConditionsDecision } from './terms-and-conditions-decision.js';
import { timeSinceDecision } from './time-since-decision.js';

/** The Page node finds its children here (function declarations: hoisted, so usable before this line). */
const page = pageNode({ getCallbackNode, parseNodeConfig });

/** Every node type Proofline knows, by AM type id. The one place a node is registered. */
const DEFINITIONS = [
  page,
  platformUsername,
  platformPassword,
  attributeCollector,
  identityStoreDecision,
  createObject,
  incrementLoginCount,
  retryLimitDecision,
  accountLockout,
  idemiaIpaEvaluation,
  idemiaIpaCompletionDecision,
  iproovAuthentication,
  identifyExistingUser,
  emailSuspend,
  innerTreeEvaluator,
  emailTemplate,
  loginCountDecision,
  queryFilterDecision,
  attributePresentDecision,
  attributeValueDecision,
  profileCompletenessDecision,
  timeSinceDecision,
  patchObject,
  acceptTermsAndConditions,
  termsAndConditionsDecision,
  consentMapping,
  kbaCreate,
  kbaVerify,
  kbaDecision,
  getSessionData,
] as const;

const REGISTRY = new Map<string, NodeDefinition<unknown>>(
  DEFINITIONS.map((d) => [d.type, d as unknown as NodeDefinition<unknown>]),
);

export const NODE_TYPES: readonly string[] = [...REGISTRY.keys()];

/** The definition of a node type; an unknown type fails loudly, listing the known ones. */
export function getNodeDefinition(type: string): NodeDefinition<unknown> {
  const definition = REGISTRY.get(type);
  if (!definition) {
    throw new JourneyConfigurationError(`Unknown node type "${type}"; known types: ${NODE_TYPES.join(', ')}`);
  }
  return definition;
}

export function getCallbackNode(type: string): CallbackNodeDefinition<unknown> | undefined {
  const definition = getNodeDefinition(type);
  return isCallbackNode(definition) ? definition : undefined;
}

const parsed = new Map<string, unknown>();

/** Validates a node's config against its schema (unknown keys fail), with defaults applied. Cached. */
export function parseNodeConfig(
  definition: NodeDefinition<unknown>,
  config: unknown,
  nodeId: string,
): unknown {
  const key = `${definition.type}\u0000${JSON.stringify(config ?? {})}`;
  if (parsed.has(key)) return parsed.get(key);
  const result = v.safeParse(definition.configSchema, config ?? {});
  if (!result.success) {
    const issues = result.issues.map((i) => `${v.getDotPath(i) ?? '(config)'}: ${i.message}`).join('; ');
    throw new JourneyConfigurationError(`Invalid config for node ${nodeId} (${definition.type}): ${issues}`);
  }
  // Page children are validated with the page, so a wrong child fails at load, not at first render.
  if (definition.type === 'PageNode') {
    for (const child of (result.output as { nodes: Array<{ id: string; type: string; config?: unknown }> })
      .nodes) {
      const childDefinition = getNodeDefinition(child.type);
      if (!isCallbackNode(childDefinition)) {
        throw new JourneyConfigurationError(`Page ${nodeId}: ${child.type} cannot be placed on a page`);
      }
      parseNodeConfig(childDefinition, child.config, child.id);
    }
  }
  if (parsed.size > 1000) parsed.clear();
  parsed.set(key, result.output);
  return result.output;
}

/** The registry as the contract's NodeLookup port (for the journey lint and the composition root). */
export const NODE_LOOKUP: NodeLookup = { getNodeDefinition, getCallbackNode, parseNodeConfig };
