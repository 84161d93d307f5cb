import type * as v from 'valibot';
import type { IdemiaClient } from '../providers/idemia/client.js';
import type { IproovClient } from '../providers/iproov/client.js';
import type { Mailer } from '../providers/messaging/deferred.js';
import type { MessagingPort } from '../providers/messaging/port.js';
import type { Callback, CallbackTemplate } from '../shared/callbacks.js';
import type { JsonObject } from '../shared/json.js';
import type { Clock } from './clock.js';
import type { ProofStore } from './data.js';
import type { SessionIdentity, SharedState, Suspension } from './journey.js';
import type { AttemptStore, IpaSessionStore, IproovClaimStore, ThrottleStore, UserStore } from './ports.js';

/** Password hashing, as nodes use it (functions/store/password.ts in both runtimes; counted in tests). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time check against a stored hash; a malformed hash never matches. */
  verify(password: string, stored: string): Promise<boolean>;
  /** The same work as `verify`, for a name no user holds: answers false. */
  burn(password: string): Promise<false>;
  /** True for a hash made with older or weaker parameters (scrypt, or Argon2id below the configured cost). */
  needsRehash(stored: string): boolean;
}

/** The active version of the terms and conditions, in one locale (what a TermsAndConditionsCallback shows). */
export interface ActiveTerms {
  /** The version id, as the user's `termsAccepted.termsVersion` records it (e.g. `1.1`). */
  readonly version: string;
  /** The text (Markdown). */
  readonly terms: string;
  /** When the version was published (ISO 8601). */
  readonly createDate: string;
  /** The locale of `terms`: the one asked for, or the fallback when the version has no text in it. */
  readonly locale: string;
}

/** The terms and conditions, versioned per locale (functions/shared/terms.ts: the files under `terms/`). */
export interface TermsSource {
  /** The version users must have accepted (the `TERMS_VERSION` setting, default the latest published). */
  activeVersion(): string;
  /** The active version's text for a locale (`fr-ch` → `fr`), else in the default locale. */
  active(locale: string | undefined): ActiveTerms;
}

/** What nodes may use beyond their input: injected so the same node runs in Lambda and embedded. */
export interface NodeServices {
  /** What time it is (records' timestamps, expiries, locks): the system clock, or a test's. */
  clock: Clock;
  passwords: PasswordHasher;
  users: UserStore;
  /** Failed-credential counters and locks per account (ADR 10). */
  attempts: AttemptStore;
  /** Throttling of failed credentials and of messages (429 with Retry-After). */
  throttle: ThrottleStore;
  ipaSessions?: IpaSessionStore;
  /** Undefined when IDEMIA is not configured: IDEMIA nodes then fail as misconfigured. */
  idemia?: IdemiaClient;
  /** Undefined when iProov is not configured: iProov nodes then answer Error. */
  iproov?: IproovClient;
  iproovClaims?: IproovClaimStore;
  /** Where IDEMIA proof archives are kept (undefined: not configured). */
  proofs?: ProofStore;
  /** Email and SMS to users (undefined: not configured). */
  messaging?: MessagingPort;
  /** Email sent off the response path (Email Suspend: the same work whether or not an account exists). */
  mailer?: Mailer;
  /** Proofline's public base URL (its API: webhooks are built on it), without a trailing slash. */
  publicBaseUrl?: string;
  /**
   * The public URL of the pages people open (`UI_BASE_URL`; the cloud's `uiBaseUrl` setting; locally Proofline's
   * demo page), without a trailing slash: where an external redirect returns (`<uiBaseUrl>/`), and links in
   * messages. Undefined: not configured (a node that needs it fails as misconfigured).
   */
  uiBaseUrl?: string;
  /**
   * The terms and conditions (undefined: none configured; the decision node then answers true, as AM does
   * with no active terms, and the accept node fails as misconfigured).
   */
  terms?: TermsSource;
  /**
   * The locales Proofline answers in (`LOCALES`, default `en,fr`), the first the fallback for a client asking
   * for none of them (functions/nodes/messages.ts). Undefined: the default.
   */
  locales?: readonly string[];
}

export interface NodeContext<C> {
  readonly nodeId: string;
  readonly config: C;
  readonly journey: string;
  readonly realm: string;
  readonly txId: string;
  /** The callbacks the client submitted for this node's step; only when the journey resumes at this node. */
  readonly input?: Callback[];
  readonly memo?: JsonObject;
  /** The one-time `code` the user brought back from an external redirect; only when resuming at this node. */
  readonly returnCode?: string;
  /** The result of the inner journey this node ran (`suspend.journey`); only when resuming at this node. */
  readonly innerResult?: boolean;
  /**
   * The locale of this step, e.g. `en`, `fr-fr`: the client's most preferred one (Accept-Language) that is
   * configured (`services.locales`), else the first configured one (nodes/run.ts).
   */
  readonly locale?: string;
  /** The client's address (API Gateway's sourceIp), for throttling. */
  readonly clientIp?: string;
  /** The user of the live session this step came with (AM's `existingSession`); absent when none. */
  readonly session?: SessionIdentity;
  /** Shared state; the node mutates it in place. */
  readonly state: SharedState;
  readonly services: NodeServices;
}

export type NodeResult = { outcome: string } | { suspend: Suspension };

/** The Lambda function (family) a node type runs in; one NodejsFunction per family. */
export type NodeFamily = 'identity' | 'idemia' | 'iproov';

export interface NodeDefinition<C = unknown> {
  /** AM's node type id (the `_type._id` of a tree export). */
  readonly type: string;
  /** The name AIC shows for it. */
  readonly displayName: string;
  readonly family: NodeFamily;
  readonly configSchema: v.GenericSchema<unknown, C>;
  /** Every outcome the node can return, for the given config. */
  outcomes(config: C): readonly string[];
  /** True when the node can wait for the client: it must then be a target of the journey's Resume router. */
  readonly suspends: boolean;
  process(ctx: NodeContext<C>): Promise<NodeResult>;
  /**
   * True when, so configured, the node sends people to a page at the UI base URL (`uiBaseUrl`): a deployment
   * with such a journey must set it. Omitted: never.
   */
  usesUiBaseUrl?(config: C): boolean;
  /**
   * True when the node hands email to the mailer (`services.mailer`, sent off the response path): its family's
   * function must then be able to send email and invoke itself (infra/cloud). Omitted: never.
   */
  readonly mailsOffPath?: boolean;
  /** The journeys the node runs as inner journeys, so configured (the lint checks they exist and do not recurse). */
  innerJourneys?(config: C): readonly string[];
  /**
   * Checks what this node needs of the rest of the journey (run by the journey lint): a message when it is
   * wired wrongly, undefined when fine.
   */
  checkJourney?(
    self: { readonly id: string; readonly config: C; readonly routes: Readonly<Record<string, string>> },
    nodeOf: (id: string) => { readonly type: string; readonly config: unknown } | undefined,
  ): string | undefined;
}

/** The result of collecting a callback node's inputs. */
export interface CollectResult {
  /** Inputs failed their policies: the page must render again with the failures. */
  invalid: boolean;
  /** The client asked for validation only (`IDTokenNvalidateOnly`): render again even if valid. */
  validateOnly: boolean;
}

/**
 * A node that renders callbacks and collects their inputs: usable on its own or inside a Page node, which
 * concatenates its children's callbacks into one step.
 */
export interface CallbackNodeDefinition<C = unknown> extends NodeDefinition<C> {
  readonly callbackNode: true;
  render(ctx: NodeContext<C>): CallbackTemplate[] | Promise<CallbackTemplate[]>;
  collect(ctx: NodeContext<C>, callbacks: Callback[]): Promise<CollectResult>;
}

export function isCallbackNode(
  definition: NodeDefinition<unknown>,
): definition is CallbackNodeDefinition<unknown> {
  return 'callbackNode' in definition && definition.callbackNode === true;
}

/**
 * Finding node definitions by type (the node registry, functions/nodes/registry.ts), as a port: what needs the
 * registry without being part of it — the journey lint, the Page node's children — is given it.
 */
export interface NodeLookup {
  /** The definition of a node type; an unknown type fails (JourneyConfigurationError). */
  getNodeDefinition(type: string): NodeDefinition<unknown>;
  /** The definition of a callback node type (one a Page may hold); undefined for other known types. */
  getCallbackNode(type: string): CallbackNodeDefinition<unknown> | undefined;
  /** Validates a node's config against its schema, with defaults applied. */
  parseNodeConfig(definition: NodeDefinition<unknown>, config: unknown, nodeId: string): unknown;
}
