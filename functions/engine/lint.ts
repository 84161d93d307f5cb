import { JourneyConfigurationError, NODE_ERROR_NAMES } from '../contract/errors.js';
import { NODE_FAMILIES } from '../contract/families.js';
import { CARRIED_CONTEXT_FIELDS, SUSPENDED } from '../contract/journey.js';
import type { NodeLookup } from '../contract/nodes.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../shared/json.js';
import { PROVIDER_RETRY } from '../shared/timeouts.js';

/** What a journey's ASL file says about its nodes, as the lint and the diagram see it. */
export interface JourneyNode {
  id: string;
  type: string;
  family: string;
  suspends: boolean;
  /** outcome → next state */
  routes: Record<string, string>;
}

export interface JourneyGraph {
  journey: string;
  /** The first node (the Resume router's default). */
  start: string;
  nodes: JourneyNode[];
  resumeTargets: string[];
  /** Terminal Pass states: name → success | failure */
  ends: Record<string, 'success' | 'failure'>;
  /** The journeys its nodes run as inner journeys (Inner Tree Evaluator), by node id. */
  calls: Record<string, string[]>;
}

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const ROUTER = 'Resume';
/** A node function timed out: what the Lambda integration reports (it is not a `Lambda.*` error). */
const LAMBDA_TIMEOUT = 'Sandbox.Timedout';
const KNOWN_ERROR = (name: string): boolean =>
  name.startsWith('States.') ||
  name.startsWith('Lambda.') ||
  name === LAMBDA_TIMEOUT ||
  (NODE_ERROR_NAMES as readonly string[]).includes(name);

/**
 * What can go wrong with a node function's invocation rather than in the node's code: every node Task must retry
 * or catch each (`States.ALL` or `States.TaskFailed` cover them too), so that none of them leaves the journey by
 * surprise. The engine answers them as transient (503, the step restored).
 */
export const NODE_INVOCATION_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  LAMBDA_TIMEOUT,
] as const;

/** ASL's defaults for a retrier's fields. */
const RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

const errorsOf = (entries: JsonValue | undefined): string[] =>
  (Array.isArray(entries) ? entries : []).flatMap((entry) =>
    isJsonObject(entry) && Array.isArray(entry.ErrorEquals)
      ? entry.ErrorEquals.filter((e): e is string => typeof e === 'string')
      : [],
  );

function nextStates(state: JsonObject): string[] {
  const next: string[] = [];
  if (typeof state.Next === 'string') next.push(state.Next);
  if (typeof state.Default === 'string') next.push(state.Default);
  for (const rule of Array.isArray(state.Choices) ? state.Choices : []) {
    if (isJsonObject(rule) && typeof rule.Next === 'string') next.push(rule.Next);
  }
  for (const catcher of Array.isArray(state.Catch) ? state.Catch : []) {
    if (isJsonObject(catcher) && typeof catcher.Next === 'string') next.push(catcher.Next);
  }
  return next;
}

function choiceRoutes(choice: JsonObject, where: string): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const rule of Array.isArray(choice.Choices) ? choice.Choices : []) {
    if (
      !isJsonObject(rule) ||
      rule.Variable !== '$.outcome' ||
      typeof rule.StringEquals !== 'string' ||
      typeof rule.Next !== 'string'
    ) {
      throw new JourneyConfigurationError(
        `${where}: outcome routers may only test $.outcome with StringEquals`,
      );
    }
    routes[rule.StringEquals] = rule.Next;
  }
  return routes;
}

/**
 * Checks a journey's ASL against the node registry and the engine's conventions, and returns its graph.
 * Fails loudly on: unknown node types, invalid node configs, a node outcome that is not routed (or a route
 * for an outcome the node cannot return), a suspendable node missing from the Resume router, unreachable
 * states, and `ErrorEquals` names that no code throws. `nodes` is the node registry (a port: the engine does not
 * import the nodes).
 */
export function lintJourney(journey: string, definition: JsonValue, nodes: NodeLookup): JourneyGraph {
  const fail = (message: string): never => {
    throw new JourneyConfigurationError(`Journey ${journey}: ${message}`);
  };
  if (!isJsonObject(definition) || !isJsonObject(definition.States)) return fail('not an ASL state machine');
  const states = definition.States as Record<string, JsonObject>;
  if (definition.StartAt !== ROUTER) fail(`must start at the ${ROUTER} router`);
  const router = states[ROUTER];
  if (router?.Type !== 'Choice') return fail(`${ROUTER} must be a Choice state`);

  if (typeof router.Default !== 'string') fail(`${ROUTER} must default to the journey's first node`);
  const graph: JourneyGraph = {
    journey,
    start: String(router.Default),
    nodes: [],
    resumeTargets: [],
    ends: {},
    calls: {},
  };
  for (const rule of Array.isArray(router.Choices) ? router.Choices : []) {
    const target =
      isJsonObject(rule) && Array.isArray(rule.And)
        ? rule.And.find((c) => isJsonObject(c) && typeof c.StringEquals === 'string')
        : undefined;
    if (!isJsonObject(rule) || !isJsonObject(target) || target.StringEquals !== rule.Next) {
      fail(`${ROUTER} rules must be {And: [IsPresent $.resumeAt, StringEquals <node>], Next: <node>}`);
    }
    graph.resumeTargets.push(String((rule as JsonObject).Next));
  }

  for (const [name, state] of Object.entries(states)) {
    for (const entry of [
      ...(Array.isArray(state.Retry) ? state.Retry : []),
      ...(Array.isArray(state.Catch) ? state.Catch : []),
    ]) {
      for (const error of isJsonObject(entry) && Array.isArray(entry.ErrorEquals) ? entry.ErrorEquals : []) {
        if (typeof error !== 'string' || !KNOWN_ERROR(error))
          fail(`${name}: ErrorEquals names unknown error ${String(error)}`);
      }
    }
    for (const next of nextStates(state)) if (!states[next]) fail(`${name}: goes to missing state ${next}`);
    if (state.Type === 'Pass' && state.ResultPath === '$.result') {
      const status = isJsonObject(state.Result) ? state.Result.status : undefined;
      if (status !== 'success' && status !== 'failure')
        fail(`${name}: end state must set result.status success|failure`);
      graph.ends[name] = status as 'success' | 'failure';
      continue;
    }
    if (state.Type === 'Pass' && state.Parameters !== undefined) {
      // A Pass state that rebuilds the context (a node's stand-in) keeps every field that outlives a node.
      const parameters = isJsonObject(state.Parameters) ? state.Parameters : {};
      const dropped = CARRIED_CONTEXT_FIELDS.filter((f) => parameters[`${f}.$`] !== `$.${f}`);
      if (dropped.length > 0)
        fail(`${name}: rebuilds the context without ${dropped.map((f) => `"${f}.$": "$.${f}"`).join(', ')}`);
    }
    if (state.Type !== 'Task') continue;
    const handled = [...errorsOf(state.Retry), ...errorsOf(state.Catch)];
    if (!handled.includes('States.ALL') && !handled.includes('States.TaskFailed')) {
      const unhandled = NODE_INVOCATION_ERRORS.filter((e) => !handled.includes(e));
      if (unhandled.length > 0)
        fail(`${name}: must retry or catch the node function's invocation errors ${unhandled.join(', ')}`);
    }
    for (const retrier of Array.isArray(state.Retry) ? state.Retry : []) {
      const errors = errorsOf([retrier]);
      if (!['ProviderUnavailableError', 'States.ALL', 'States.TaskFailed'].some((e) => errors.includes(e)))
        continue;
      // The vendor budget (functions/shared/timeouts.ts) is derived from this policy.
      const policy = { ...RETRY_DEFAULTS, ...(isJsonObject(retrier) ? retrier : {}) };
      const differs = (Object.keys(PROVIDER_RETRY) as Array<keyof typeof PROVIDER_RETRY>).some(
        (k) => policy[k] !== PROVIDER_RETRY[k],
      );
      if (differs || (isJsonObject(retrier) && retrier.MaxDelaySeconds !== undefined))
        fail(
          `${name}: retries ProviderUnavailableError with ${JSON.stringify(retrier)}, not PROVIDER_RETRY ${JSON.stringify(PROVIDER_RETRY)} (the vendor timeouts are derived from it)`,
        );
    }
    if (state.Resource !== LAMBDA_INVOKE) fail(`${name}: node Tasks must use ${LAMBDA_INVOKE}`);
    const parameters = isJsonObject(state.Parameters) ? state.Parameters : {};
    const payload = isJsonObject(parameters.Payload) ? parameters.Payload : {};
    const node = isJsonObject(payload.node) ? payload.node : {};
    if (node.id !== name) fail(`${name}: node.id must equal the state name`);
    if (payload['context.$'] !== '$' || state.OutputPath !== '$.Payload') {
      fail(`${name}: Payload must pass "context.$": "$" and the state must use OutputPath $.Payload`);
    }
    const definitionOfType = nodes.getNodeDefinition(String(node.type));
    const config = nodes.parseNodeConfig(definitionOfType, node.config, name);
    const family = NODE_FAMILIES[definitionOfType.family];
    if (parameters.FunctionName !== `\${${family.substitution}}`) {
      fail(
        `${name}: ${definitionOfType.type} runs in \${${family.substitution}}, not ${String(parameters.FunctionName)}`,
      );
    }
    const choice = typeof state.Next === 'string' ? states[state.Next] : undefined;
    if (choice?.Type !== 'Choice') return fail(`${name}: must be followed by a Choice on $.outcome`);
    const routes = choiceRoutes(choice, String(state.Next));
    const declared = [
      ...definitionOfType.outcomes(config),
      ...(definitionOfType.suspends ? [SUSPENDED] : []),
    ];
    for (const outcome of declared) if (!routes[outcome]) fail(`${name}: outcome "${outcome}" is not routed`);
    for (const outcome of Object.keys(routes)) {
      if (!declared.includes(outcome))
        fail(`${name}: routes outcome "${outcome}" that ${definitionOfType.type} never returns`);
    }
    if (definitionOfType.suspends && !graph.resumeTargets.includes(name))
      fail(`${name}: suspends but is not in the ${ROUTER} router`);
    if (!definitionOfType.suspends && graph.resumeTargets.includes(name))
      fail(`${name}: never suspends but is in the ${ROUTER} router`);
    graph.nodes.push({
      id: name,
      type: definitionOfType.type,
      family: definitionOfType.family,
      suspends: definitionOfType.suspends,
      routes,
    });
  }

  const configs = new Map<string, { type: string; config: unknown }>();
  for (const node of graph.nodes) {
    const state = states[node.id] as JsonObject;
    const raw = ((state.Parameters as JsonObject).Payload as JsonObject).node as JsonObject;
    configs.set(node.id, {
      type: node.type,
      config: nodes.parseNodeConfig(nodes.getNodeDefinition(node.type), raw.config, node.id),
    });
  }
  for (const node of graph.nodes) {
    const definitionOfType = nodes.getNodeDefinition(node.type);
    const inner = definitionOfType.innerJourneys?.(configs.get(node.id)?.config as never);
    if (inner && inner.length > 0) graph.calls[node.id] = [...inner];
    const problem = definitionOfType.checkJourney?.(
      { id: node.id, config: configs.get(node.id)?.config, routes: node.routes },
      (id) => configs.get(id),
    );
    if (problem) fail(`${node.id}: ${problem}`);
  }

  const reached = new Set<string>([ROUTER]);
  const queue = [ROUTER];
  while (queue.length > 0) {
    const current = states[queue.pop() as string] as JsonObject;
    for (const next of nextStates(current)) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  const unreachable = Object.keys(states).filter((s) => !reached.has(s));
  if (unreachable.length > 0) fail(`unreachable states: ${unreachable.join(', ')}`);
  return graph;
}

/**
 * Checks the inner journeys of a set of journeys (AM's Inner Tree Evaluator): each one named exists in the set,
 * and no journey runs itself, directly or through others (the inner journeys would never end).
 */
export function checkJourneyCalls(graphs: readonly JourneyGraph[]): void {
  const byName = new Map(graphs.map((g) => [g.journey, g]));
  for (const graph of graphs) {
    for (const [node, targets] of Object.entries(graph.calls)) {
      for (const target of targets) {
        if (!byName.has(target)) {
          throw new JourneyConfigurationError(
            `Journey ${graph.journey}: ${node} runs journey ${target}, which is not one of ${[...byName.keys()].join(', ')}`,
          );
        }
      }
    }
  }
  const done = new Set<string>();
  const visit = (journey: string, path: string[]): void => {
    if (path.includes(journey)) {
      throw new JourneyConfigurationError(
        `Inner journeys recurse: ${[...path.slice(path.indexOf(journey)), journey].join(' → ')}`,
      );
    }
    if (done.has(journey)) return;
    for (const target of Object.values(byName.get(journey)?.calls ?? {}).flat())
      visit(target, [...path, journey]);
    done.add(journey);
  };
  for (const graph of graphs) visit(graph.journey, []);
}
