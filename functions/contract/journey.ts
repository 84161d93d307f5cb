import type { Callback } from '../shared/callbacks.js';
import type { JsonObject, JsonValue } from '../shared/json.js';

/** A user-facing message a node leaves for the next page it renders. */
export interface PageMessage {
  message: string;
  messageType: '0' | '1' | '2';
}

/** One failed policy, AM's shape: `{policyRequirement, params?}`. */
export interface PolicyFailure {
  policyRequirement: string;
  params?: JsonObject;
}

/**
 * Data that lives only while one execution runs: never written to the transaction item (passwords, and
 * messages meant for the very next page).
 */
export interface TransientState {
  password?: string;
  messages?: PageMessage[];
  /** Failed policies per attribute name, shown when the next page renders. */
  failedPolicies?: Record<string, PolicyFailure[]>;
  /** Failures an Identity Store Decision already counted, per Retry Limit Decision node id (its reservation). */
  countedAttempts?: Record<string, number>;
  /** iProov reference-photo enrolments kept for the node's next attempt in this execution, per node id. */
  referenceEnrolments?: Record<string, string>;
}

/** Who a live session belongs to, as nodes see it (JourneyContext.session). */
export interface SessionIdentity {
  userId: string;
  userName: string;
}

/** AM's shared state, as Proofline's nodes use it. */
export interface SharedState {
  username?: string;
  userId?: string;
  /** Profile attributes collected for the user (`preferences/marketing` is stored as `preferences.marketing`). */
  objectAttributes?: JsonObject;
  /** Per-journey failure counters of Retry Limit Decision nodes that do not save to the user. */
  retryCounts?: Record<string, number>;
  transient?: TransientState;
  [key: string]: JsonValue | TransientState | undefined;
}

/** What a node asks the client for: the step AM would return. */
export interface Suspension {
  callbacks: Callback[];
  header?: string;
  description?: string;
  stage?: string;
  /** Node-private data returned to the node when the step is submitted (never sent to the client). */
  memo?: JsonObject;
  /**
   * The step waits for an external event (a vendor's webhook) that the node learns of from the store, and the
   * client polls it (PollingWaitCallback). Until `until` (epoch seconds: when the node would time out), a poll
   * that sends the step back unchanged, with no event signalled on the transaction since the step was written,
   * is answered from the transaction alone: one read, no write, no execution (issue 10 §3). An event
   * (TransactionStore.signal), a changed input or the deadline runs the node as usual.
   */
  wait?: { until: number };
  /**
   * The journey is suspended until a link is followed (AM's `suspendedId`, e.g. Email Suspend): the client's
   * step is answered as it is, and only `…/authenticate?suspendedId=<id>` resumes the node, once, before
   * `expiresAt` (epoch seconds). `hash` is the link secret's hash: the node made the id with `newSuspendedId`.
   */
  resumeLink?: { hash: string; expiresAt: number };
  /**
   * Run this journey (an inner journey, AM's Inner Tree Evaluator) with the same shared state, then resume this
   * node with its result (`innerResult`). A suspension inside the inner journey reaches the client and resumes
   * inside it. `callbacks` is then empty: the step is the inner journey's.
   */
  journey?: string;
}

export type JourneyResult = { status: 'success' } | { status: 'failure'; message?: string };

/**
 * The document that flows through a journey's state machine: the execution input, each Task's payload
 * `context`, and the execution output.
 */
export interface JourneyContext {
  journey: string;
  realm: string;
  txId: string;
  /**
   * The client's preferred locales for this step (Accept-Language's tags, most preferred first, comma-separated:
   * `de-ch,fr`; a node is given the first configured one as its `locale`); null when it has none. The engine always sets
   * it (see CARRIED_CONTEXT_FIELDS).
   */
  locale?: string | null;
  /**
   * The client's address as the edge saw it (API Gateway's sourceIp), for throttling; never persisted. Null when
   * no client sent the step (an event's resume). The engine always sets it.
   */
  clientIp?: string | null;
  /**
   * The signed-in user whose session token (AM's `iPlanetDirectoryPro`, header or cookie) came with this step,
   * resolved by the API in this realm; null when none came or it is not a live session of this realm. Only what
   * nodes need (Get Session Data): never the token. The client proves it on every request, so it is never
   * persisted (like `clientIp`). The engine always sets it.
   */
  session?: SessionIdentity | null;
  /** The one-time `code` a user brought back from a redirect (query parameter), for `resumeAt`. */
  returnCode?: string;
  /** The suspended node the execution resumes at (absent on the first step). */
  resumeAt?: string;
  /** The callbacks the client submitted for `resumeAt`. */
  input?: Callback[];
  memo?: JsonObject;
  /** The result of the inner journey `resumeAt` ran (true: it ended in success); only for that node. */
  innerResult?: boolean;
  state: SharedState;
  /** The last node's outcome; `suspended` when it waits for the client. */
  outcome?: string;
  /** The node that suspended, with what it asks the client for. */
  suspendedAt?: string;
  suspend?: Suspension;
  /** Set by the journey's Success/Failure Pass states. */
  result?: JourneyResult;
}

/**
 * The fields of the context that outlive a node: the engine sets every one of them on each execution's input,
 * each node's output carries them on (`runNode`), and a Pass state that stands in for a node — the journeys'
 * `*Unavailable` states, which rebuild the context with `Parameters` — must keep every one (the journey lint
 * checks it). They are never absent, only null, because a JSONPath to an absent field fails the execution
 * (`States.Runtime`). The other fields the engine sets (`resumeAt`, `input`, `memo`, `returnCode`) belong to the
 * node the step resumes at and are dropped once it has run.
 */
export const CARRIED_CONTEXT_FIELDS = [
  'journey',
  'realm',
  'txId',
  'locale',
  'clientIp',
  'session',
  'state',
] as const satisfies readonly (keyof JourneyContext)[];

/** The fields of the context that only the node a step resumes at receives. */
export const RESUME_CONTEXT_FIELDS = [
  'resumeAt',
  'input',
  'memo',
  'returnCode',
  'innerResult',
] as const satisfies readonly (keyof JourneyContext)[];

/** The Lambda payload of a node Task state. */
export interface NodeInvocation {
  node: { id: string; type: string; config?: JsonObject };
  context: JourneyContext;
}

export const SUSPENDED = 'suspended';
