import * as v from 'valibot';
import type { NodeFamily } from '../../functions/contract/nodes.js';
import { type JourneyFile, listJourneyFiles } from '../../functions/engine/asl.js';
import { checkJourneyCalls, type JourneyGraph, lintJourney } from '../../functions/engine/lint.js';
import { TERMS_CATALOG } from '../../functions/generated/terms.js';
import { getNodeDefinition, NODE_LOOKUP, parseNodeConfig } from '../../functions/nodes/registry.js';
import { ConfigurationError } from '../../functions/shared/errors.js';
import { isJsonObject } from '../../functions/shared/json.js';
import { parseLocales } from '../../functions/shared/locales.js';
import { throttlePolicyFromEnv } from '../../functions/store/throttle.js';

/**
 * The deployment configuration (ADR 13): every setting the CDK app reads, parsed and validated here with one
 * schema. `--context name=value` passes strings, so each setting is taken as its value or as the text of it:
 * JSON text for objects, a comma list (or a JSON array) for lists, digits for numbers. The whole configuration
 * may also come as one `config` context (an object, or its JSON text: `--context config="$(cat my.json)"`);
 * a setting given on its own overrides the same one in `config`. A wrong setting fails the synthesis, naming it.
 */

const text = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'));
/** A vendor endpoint: https, or plain http on loopback only (a test stack's sandboxes, the cdk-out target). */
const httpsUrl = v.pipe(
  v.string(),
  v.url('must be a URL'),
  v.check(
    (url) =>
      url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url),
    'must be an https:// URL (http:// on loopback only)',
  ),
);

/** The published terms versions (`terms/versions.json`, as `npm run terms` bundles them with the functions). */
const PUBLISHED_TERMS: readonly string[] = TERMS_CATALOG.versions.map((t) => t.version);

const idemiaSchema = v.strictObject({
  /** IDEMIA's Cognito domain; `/oauth2/token` is appended. */
  cognitoUrl: httpsUrl,
  clientId: text,
  /** The "Create Session URL", e.g. https://rp-handler.did.idemia.io/api/v1/sessions */
  sessionUrl: httpsUrl,
  /** e.g. https://rp-handler.did.idemia.io/api/v1/ipa/start */
  ipaStartUrl: httpsUrl,
  /** The ID&V platform base (GIPS-RS), e.g. https://proofing.idemia.io */
  gipsUrl: httpsUrl,
  /** The IPA application id end-of-process notifications must carry. */
  applicationId: text,
});

const iproovSchema = v.strictObject({
  /** `https://{tenant}/api/v2`, tenant `eu.rp.secure.iproov.me` or `us.rp.secure.iproov.me`. */
  baseUrl: httpsUrl,
  apiKey: text,
  oauthUsername: text,
  /** iProov's web SDK script (from iProov, for your tenant): the hosted pages load it with their CSP nonce. */
  webSdkUrl: v.optional(httpsUrl),
});

/** IDEMIA IPA settings (seed 003's endpoint details, not secrets: those go in the stack's IdemiaSecret). */
export type IdemiaSettings = v.InferOutput<typeof idemiaSchema>;
/** iProov service-provider settings (the API secret and OAuth password go in the stack's IproovSecret). */
export type IproovSettings = v.InferOutput<typeof iproovSchema>;

const settingsSchema = v.strictObject({
  /** The stack is `Proofline-<stage>`. */
  stage: v.optional(v.pipe(text, v.regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, 'must be letters, digits and -'))),
  /** Journeys to deploy (names of `statemachines/<Journey>.asl.json`); default: all whose vendors are configured. */
  journeys: v.optional(v.pipe(v.array(text), v.minLength(1, 'must name at least one journey'))),
  /** The public URL of the pages people open (the IPA return, `successUrl`, links in messages). */
  uiBaseUrl: v.optional(
    v.pipe(
      v.string(),
      v.url('must be a URL'),
      v.check((url) => /^https?:\/\//.test(url), 'must be an http(s) URL'),
      v.check((url) => !/[?#]/.test(url), 'must have no query or fragment'),
    ),
  ),
  corsOrigins: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^https?:\/\/[^/?#]+$/, 'must be origins: scheme://host[:port]'))),
  ),
  /** The trust framework `verified_claims` name (OIDC4IDA `trust_framework`). */
  idaTrustFramework: v.optional(
    v.pipe(text, v.regex(/^[a-z0-9_]{1,64}$/, 'must be a trust framework identifier')),
  ),
  /** The public origin of the API and pages (a custom domain): the OpenID Provider's issuer is built on it. */
  publicBaseUrl: v.optional(
    v.pipe(v.string(), v.regex(/^https:\/\/[^/?#]+$/, 'must be an https origin: https://host[:port]')),
  ),
  /**
   * The OpenID Provider's clients (OIDC Dynamic Client Registration metadata, each with its `realm`); never a
   * `client_secret`: the stack generates one per confidential client in Secrets Manager.
   */
  oidcClients: v.optional(
    v.array(
      v.pipe(
        v.looseObject({ realm: v.string(), client_id: v.string() }),
        v.check(
          (client) => !('client_secret' in client),
          'must not hold a client_secret (the stack generates it in Secrets Manager)',
        ),
      ),
    ),
  ),
  realms: v.optional(
    v.pipe(
      v.array(v.pipe(text, v.regex(/^[A-Za-z0-9_-]+$/, 'must be realm names'))),
      v.minLength(1, 'must name at least one realm'),
    ),
  ),
  legacyUsersRealm: v.optional(v.pipe(text, v.regex(/^[A-Za-z0-9_-]+$/, 'must be a realm name'))),
  idemia: v.optional(idemiaSchema),
  iproov: v.optional(iproovSchema),
  emailFrom: v.optional(v.pipe(v.string(), v.email('must be an email address'))),
  alarmTopicArn: v.optional(
    v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:sns:[^:]+:\d{12}:.+$/, 'must be an SNS topic ARN')),
  ),
  proofRetentionDays: v.optional(
    v.pipe(v.number('must be a number'), v.integer('must be whole days'), v.minValue(1), v.maxValue(3650)),
  ),
  throttle: v.optional(v.record(v.string(), v.union([v.string(), v.number()], 'must be whole numbers'))),
  /** The active terms and conditions version (`TERMS_VERSION` of the node functions): a published one. */
  termsVersion: v.optional(
    v.pipe(
      text,
      v.check(
        (version) => PUBLISHED_TERMS.includes(version),
        `must be a published terms version (${PUBLISHED_TERMS.join(', ')}; terms/versions.json)`,
      ),
    ),
  ),
  /** The locales pages and messages are given in (`LOCALES` of the node functions), the first the fallback. */
  locales: v.optional(
    v.pipe(
      v.array(v.string()),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        try {
          return parseLocales(dataset.value.join(','));
        } catch (error) {
          addIssue({ message: (error as Error).message });
          return NEVER;
        }
      }),
    ),
  ),
});

type SettingName = keyof typeof settingsSchema.entries;
/** How a setting's text (`--context` passes strings) is read. */
const TEXT_FORM: Record<SettingName, 'string' | 'json' | 'list' | 'number'> = {
  stage: 'string',
  journeys: 'list',
  uiBaseUrl: 'string',
  corsOrigins: 'list',
  publicBaseUrl: 'string',
  oidcClients: 'json',
  idaTrustFramework: 'string',
  realms: 'list',
  legacyUsersRealm: 'string',
  idemia: 'json',
  iproov: 'json',
  emailFrom: 'string',
  alarmTopicArn: 'string',
  proofRetentionDays: 'number',
  throttle: 'json',
  termsVersion: 'string',
  locales: 'list',
};
export const SETTING_NAMES = Object.keys(TEXT_FORM) as SettingName[];

/** The deployment configuration, validated: what `ProoflineStack` takes (with `stage` naming the stack). */
export interface DeploymentSettings {
  /** Names the stack (`Proofline-<stage>`). @default 'dev' */
  readonly stage?: string;
  /**
   * The journeys to deploy (names of `statemachines/<Journey>.asl.json`). A journey named here whose vendor is
   * not configured fails the synthesis.
   * @default - every journey whose vendors are configured; the others are left out with a warning
   */
  readonly journeys?: readonly string[];
  /**
   * The public URL of the pages people open (`UI_BASE_URL` of the functions): IDEMIA's "Continue on this device"
   * returns to `<uiBaseUrl>/`, Email Suspend's links open `<uiBaseUrl>/?suspendedId=…`, and `successUrl` is
   * `<uiBaseUrl>/`. Needed by every journey that sends people to a page.
   * @default - none: a journey that needs it is left out (named in `journeys`: fails the synthesis); `successUrl`
   * is AM's `/enduser/?realm=/alpha`
   */
  readonly uiBaseUrl?: string;
  /**
   * Browser origins allowed to call the API with credentials (CORS).
   * @default - no CORS: only same-origin and non-browser clients
   */
  readonly corsOrigins?: readonly string[];
  /**
   * The public origin people and applications reach the stage at (a custom domain on the HTTP API, serving the
   * API, the OpenID Provider and the pages on one site — docs/oidc.md): the issuer is
   * `<publicBaseUrl>/oauth2/realms/root/realms/<realm>`.
   * @default - the origin the HTTP API is called at (its execute-api domain)
   */
  readonly publicBaseUrl?: string;
  /**
   * The OpenID Provider's clients: OIDC Dynamic Client Registration metadata, each with its `realm` (and
   * optionally `proofline_journey`, `proofline_verified_claims`). A confidential client's secret is generated in
   * Secrets Manager (output `OidcClientSecret…`), never given here.
   * @default - none: the provider serves discovery and keys, and refuses every client
   */
  readonly oidcClients?: readonly Readonly<Record<string, unknown>>[];
  /**
   * The trust framework the OpenID Provider names in `verified_claims` (`IDA_TRUST_FRAMEWORK`): a predefined one
   * such as `eidas` only when the deployment's proofing is governed by it.
   * @default 'proofline_idemia_ipa' (Proofline's own, IDEMIA's levels)
   */
  readonly idaTrustFramework?: string;
  /**
   * Realms served besides root.
   * @default ['alpha']
   */
  readonly realms?: readonly string[];
  /**
   * The realm users created before realms were isolated (no realm on their item) belong to (ADR 11).
   * @default 'alpha'
   */
  readonly legacyUsersRealm?: string;
  /**
   * IDEMIA IPA settings (seed 003's endpoint details, not secrets). The client secret and the GIPS-RS API key
   * go in the stack's `IdemiaSecret` (Secrets Manager) after deployment.
   * @default - IDEMIA not configured: journeys with IDEMIA nodes are not deployed
   */
  readonly idemia?: IdemiaSettings;
  /**
   * iProov service-provider settings (seed 000: tenant + `/api/v2`, API key, OAuth user). The API secret and
   * the OAuth password go in the stack's `IproovSecret` (Secrets Manager) after deployment.
   * @default - iProov not configured: journeys with iProov nodes are not deployed
   */
  readonly iproov?: IproovSettings;
  /**
   * Throttling limits of the node functions (`THROTTLE_*` settings, README "Lockout and throttling").
   * @default - the built-in defaults
   */
  readonly throttle?: Readonly<Record<string, string>>;
  /**
   * The terms and conditions version users must accept (`TERMS_VERSION` of the node functions): one published
   * in `terms/` (`terms/versions.json`), checked at synth. Activating a new version makes every user's Terms and
   * Conditions Decision false until they accept it.
   * @default - the latest published version (latest `createDate`)
   */
  readonly termsVersion?: string;
  /**
   * The locales page headers, descriptions and node messages are given in (`LOCALES` of the node functions):
   * language tags, the first the fallback for a client whose Accept-Language names none of them.
   * @default - en, fr
   */
  readonly locales?: readonly string[];
  /**
   * Sender address for emails to users (an SES verified identity).
   * @default - email delivery fails as misconfigured (a synth warning when a deployed journey may send email)
   */
  readonly emailFrom?: string;
  /**
   * SNS topic ARN that alarms notify.
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
  /**
   * How long IDEMIA proof archives are kept in the proof bucket (a lifecycle rule deletes them after).
   * @default 90
   */
  readonly proofRetentionDays?: number;
}

/** The CDK CLI keeps only the first line of a `--context` value. */
const ONE_LINE = ', on one line: the CDK CLI keeps only the first line of a --context value';

const fail = (name: string, message: string, cause?: unknown): never => {
  throw new ConfigurationError(
    `Deployment setting "${name}" ${message} (README, Deploy to AWS)`,
    cause === undefined ? undefined : { cause },
  );
};

/** A setting's value from its text, per its form; values that are not text are left to the schema. */
function fromText(name: SettingName, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  switch (TEXT_FORM[name]) {
    case 'json':
      try {
        return JSON.parse(trimmed);
      } catch (error) {
        return fail(name, `must be a JSON object (as --context ${name}='{…}' passes it)${ONE_LINE}`, error);
      }
    case 'list':
      if (trimmed.startsWith('[')) {
        try {
          return JSON.parse(trimmed);
        } catch (error) {
          return fail(name, 'must be a comma-separated list or a JSON array', error);
        }
      }
      return trimmed
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'number':
      return /^\d+$/.test(trimmed) ? Number(trimmed) : fail(name, 'must be a whole number');
    default:
      return value;
  }
}

/**
 * Reads and validates the deployment configuration. `context(name)` is the CDK context (`app.node.tryGetContext`
 * or a test's object); `env` gives `PROOFLINE_STAGE` as the stage's fallback.
 */
export function deploymentSettings(
  context: (name: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): DeploymentSettings {
  let whole: unknown = context('config') ?? {};
  if (typeof whole === 'string') {
    try {
      whole = JSON.parse(whole);
    } catch (error) {
      fail('config', `must be a JSON object of deployment settings${ONE_LINE}`, error);
    }
  }
  if (!isJsonObject(whole)) return fail('config', 'must be an object of deployment settings');
  const raw: Record<string, unknown> = { ...whole };
  for (const name of SETTING_NAMES) {
    const value = context(name);
    if (value !== undefined && value !== null && value !== '') raw[name] = value;
  }
  if (raw.stage === undefined && env.PROOFLINE_STAGE) raw.stage = env.PROOFLINE_STAGE;
  for (const [name, value] of Object.entries(raw)) {
    if (value === '' || value === null) delete raw[name];
    else if (name in TEXT_FORM) raw[name] = fromText(name as SettingName, value);
  }
  const result = v.safeParse(settingsSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue) ?? '';
    const unknownKey =
      issue.kind === 'schema' && issue.type === 'strict_object' && issue.expected === 'never';
    if (unknownKey) {
      return fail(
        path,
        `is unknown${path.includes('.') ? '' : `; the settings are ${SETTING_NAMES.join(', ')}`}`,
      );
    }
    const received = issue.received === 'undefined' ? 'it is missing' : `got ${issue.received}`;
    return fail(path, `${issue.message} (${received})`);
  }
  const { throttle, ...settings } = result.output;
  const throttleEnv = throttleSettings(throttle);
  return { ...settings, ...(throttleEnv ? { throttle: throttleEnv } : {}) };
}

const THROTTLE_SETTING =
  /^THROTTLE_(LOGIN_ACCOUNT|LOGIN_CLIENT|MESSAGE_DESTINATION|MESSAGE_CLIENT)_(MAX|WINDOW_SECONDS|DELAY_SECONDS|MAX_DELAY_SECONDS)$/;

/**
 * The `throttle` context (an object, or its JSON text as `--context throttle='{…}'` passes it) as the node
 * functions' environment: only known `THROTTLE_*` names, each a whole number, the whole checked as the
 * functions will read it — a wrong setting fails the synth, naming it.
 */
export function throttleSettings(context: unknown): Record<string, string> | undefined {
  if (context === undefined || context === null || context === '') return undefined;
  let value = context;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new ConfigurationError('Context "throttle" must be a JSON object of THROTTLE_* settings', {
        cause: error,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigurationError('Context "throttle" must be an object of THROTTLE_* settings');
  const settings: Record<string, string> = {};
  for (const [name, setting] of Object.entries(value)) {
    if (!THROTTLE_SETTING.test(name))
      throw new ConfigurationError(
        `Context "throttle": unknown setting ${name} (see README, Lockout and throttling)`,
      );
    if (typeof setting !== 'number' && typeof setting !== 'string')
      throw new ConfigurationError(`Context "throttle": ${name} must be a whole number`);
    settings[name] = String(setting);
  }
  throttlePolicyFromEnv(settings);
  return settings;
}

/** The vendors a deployment can be configured with. */
export type Vendor = 'idemia' | 'iproov';

/** A setting a journey may need: a vendor's, or the pages' base URL. */
export type JourneySetting = Vendor | 'uiBaseUrl';

/** The vendor a node family's nodes call (a new family must say which, if any). */
export const FAMILY_VENDOR: Readonly<Record<NodeFamily, Vendor | undefined>> = {
  identity: undefined,
  idemia: 'idemia',
  iproov: 'iproov',
};

/** A journey that is deployed: its file, its linted graph, what it needs. */
export interface PlannedJourney {
  readonly file: JourneyFile;
  readonly graph: JourneyGraph;
  /** The node families its Task states run in: its state machine may invoke those functions only. */
  readonly families: readonly NodeFamily[];
  readonly vendors: readonly Vendor[];
  /** Nodes that send people to a page at `uiBaseUrl` (e.g. IDEMIA's REDIRECT delivery), by state name. */
  readonly pageNodes: readonly string[];
  /**
   * Nodes that suspend waiting for a vendor's event (a node of a vendor's family that suspends: IDEMIA IPA
   * Evaluation, iProov Authentication), by state name: a vendor webhook may resume the journey there, so the
   * webhook function may start this journey's state machine only when there is one.
   */
  readonly vendorEventNodes: readonly string[];
  /** Nodes that hand email to the mailer (Email Suspend), by state name: their function sends email itself. */
  readonly mailNodes: readonly string[];
}

export interface JourneyPlan {
  readonly journeys: readonly PlannedJourney[];
  /** Journeys left out by default because a vendor they need is not configured (a synth warning each). */
  readonly leftOut: ReadonlyArray<{ journey: string; missing: readonly JourneySetting[] }>;
  /** The node families and vendors the deployed journeys use. */
  readonly families: readonly NodeFamily[];
  readonly vendors: readonly Vendor[];
  /** The node families whose functions mail users off the response path (asynchronous self-invocation, SES). */
  readonly mailingFamilies: readonly NodeFamily[];
}

/** What a linted journey needs: the families of its Task states, their vendors, its nodes that open pages. */
function planJourney(file: JourneyFile): PlannedJourney {
  const graph = lintJourney(file.journey, file.definition, NODE_LOOKUP);
  const families = [...new Set(graph.nodes.map((node) => node.family as NodeFamily))].sort();
  const vendors = [
    ...new Set(families.flatMap((family) => (FAMILY_VENDOR[family] ? [FAMILY_VENDOR[family]] : []))),
  ].sort();
  const states = isJsonObject(file.definition.States) ? file.definition.States : {};
  const pageNodes = graph.nodes
    .filter((node) => {
      const definition = getNodeDefinition(node.type);
      if (!definition.usesUiBaseUrl) return false;
      const state = states[node.id];
      const parameters = isJsonObject(state) && isJsonObject(state.Parameters) ? state.Parameters : {};
      const payload = isJsonObject(parameters.Payload) ? parameters.Payload : {};
      const raw = isJsonObject(payload.node) ? payload.node.config : undefined;
      return definition.usesUiBaseUrl(parseNodeConfig(definition, raw, node.id));
    })
    .map((node) => node.id);
  const vendorEventNodes = graph.nodes
    .filter((node) => node.suspends && FAMILY_VENDOR[node.family as NodeFamily] !== undefined)
    .map((node) => node.id);
  const mailNodes = graph.nodes
    .filter((node) => getNodeDefinition(node.type).mailsOffPath === true)
    .map((node) => node.id);
  return { file, graph, families, vendors, pageNodes, vendorEventNodes, mailNodes };
}

/**
 * Which journeys deploy. Named in `journeys`: exactly those, and a journey whose vendor is not configured fails
 * the synthesis (it could only fail when used). Not named: every journey whose vendors are configured; the others
 * are left out (the stack warns). A journey that sends people to a page (IDEMIA's REDIRECT delivery, Email
 * Suspend's link) needs `uiBaseUrl` the same way.
 */
export function planJourneys(
  settings: Pick<DeploymentSettings, 'journeys' | 'idemia' | 'iproov' | 'uiBaseUrl'>,
  files: readonly JourneyFile[] = listJourneyFiles(),
): JourneyPlan {
  const configured = new Set<Vendor>([
    ...(settings.idemia ? (['idemia'] as const) : []),
    ...(settings.iproov ? (['iproov'] as const) : []),
  ]);
  const all = files.map(planJourney);
  // What a journey needs that is not configured: its vendors' settings, and `uiBaseUrl` when it sends people to a
  // page (IDEMIA's REDIRECT delivery, Email Suspend's link).
  const missingOf = (journey: PlannedJourney): JourneySetting[] => [
    ...journey.vendors.filter((v) => !configured.has(v)),
    ...(journey.pageNodes.length > 0 && !settings.uiBaseUrl ? (['uiBaseUrl'] as const) : []),
  ];
  let journeys: PlannedJourney[];
  const leftOut: Array<{ journey: string; missing: JourneySetting[] }> = [];
  if (settings.journeys) {
    journeys = [...new Set(settings.journeys)].map((name) => {
      const journey = all.find((j) => j.file.journey === name);
      if (!journey)
        return fail(
          'journeys',
          `names ${name}, which is not a journey (${all.map((j) => j.file.journey).join(', ')})`,
        );
      const missing = missingOf(journey);
      if (missing.length > 0) {
        const why =
          missing[0] === 'uiBaseUrl' ? ` (it sends people to a page: ${journey.pageNodes.join(', ')})` : '';
        return fail(
          'journeys',
          `names ${name}, which needs ${missing.join(' and ')}${why}: configure the "${missing[0]}" setting, or leave ${name} out`,
        );
      }
      return journey;
    });
  } else {
    journeys = all.filter((journey) => missingOf(journey).length === 0);
    for (const journey of all) {
      const missing = missingOf(journey);
      if (missing.length > 0) leftOut.push({ journey: journey.file.journey, missing });
    }
  }
  // A journey runs its inner journeys (Inner Tree Evaluator): they deploy with it. By default one whose inner
  // journey is left out is left out too (needing what that one needs); named, it fails.
  for (let changed = true; changed; ) {
    changed = false;
    const names = new Set(journeys.map((j) => j.file.journey));
    for (const journey of journeys) {
      const absent = Object.values(journey.graph.calls)
        .flat()
        .filter((name) => !names.has(name));
      if (absent.length === 0) continue;
      if (settings.journeys) {
        fail(
          'journeys',
          `names ${journey.file.journey}, which runs ${absent.join(' and ')}: name ${absent.length > 1 ? 'them' : 'it'} too`,
        );
      }
      const missing = [
        ...new Set(absent.flatMap((name) => leftOut.find((l) => l.journey === name)?.missing ?? [])),
      ];
      leftOut.push({ journey: journey.file.journey, missing });
      journeys = journeys.filter((j) => j !== journey);
      changed = true;
      break;
    }
  }
  checkJourneyCalls(journeys.map((j) => j.graph));
  return {
    journeys,
    leftOut,
    families: [...new Set(journeys.flatMap((j) => j.families))].sort(),
    vendors: [...new Set(journeys.flatMap((j) => j.vendors))].sort(),
    mailingFamilies: [
      ...new Set(
        journeys.flatMap((j) =>
          j.graph.nodes.filter((n) => j.mailNodes.includes(n.id)).map((n) => n.family as NodeFamily),
        ),
      ),
    ].sort(),
  };
}
