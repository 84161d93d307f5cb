import * as v from 'valibot';
import { nowSeconds } from '../contract/clock.js';
import type { IdentityVerification, IpaSession, ThrottleKey } from '../contract/data.js';
import { JourneyConfigurationError } from '../contract/errors.js';
import { clientKey, destinationKey, proofKey } from '../contract/keys.js';
import type { NodeContext, NodeDefinition, NodeResult } from '../contract/nodes.js';
import type { IpaSessionStore } from '../contract/ports.js';
import { ProviderRequestError, ProviderUnavailableError } from '../providers/errors.js';
import type { IdemiaClient } from '../providers/idemia/client.js';
import {
  evidenceSummary,
  type GipsIdentity,
  levelOfAssurance,
  normalizeForMatch,
  verifiedAttributes,
} from '../providers/idemia/identity.js';
import {
  type CallbackTemplate,
  MessageType,
  numberCallbacks,
  textOutputCallback,
} from '../shared/callbacks.js';
import type { JsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import { qrCodeOf, type RenderedValue } from '../shared/rendered-value.js';
import { hashSecret, newSecret, secretMatches } from '../shared/secret-hash.js';
import { getPath } from './attributes.js';
import { textFor } from './messages.js';

const DELIVERY_METHODS = ['QR_CODE', 'EMAIL', 'SMS', 'REDIRECT'] as const;
type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
const METHOD_LABELS: Record<DeliveryMethod, Record<string, string>> = {
  QR_CODE: { en: 'Scan a QR code', fr: 'Scanner un code QR' },
  EMAIL: { en: 'Send me an email', fr: 'M’envoyer un e-mail' },
  SMS: { en: 'Send me a text message', fr: 'M’envoyer un SMS' },
  REDIRECT: { en: 'Continue on this device', fr: 'Continuer sur cet appareil' },
};
const DEFAULT_RETURNED_MESSAGE = {
  en: 'Welcome back. Finishing your identity verification…',
  fr: 'Bon retour. Fin de la vérification de votre identité…',
};
const DEFAULT_CHOICE_MESSAGE = {
  en: 'Select the delivery method to start the identity verification process.',
  fr: 'Choisissez comment recevoir le lien pour commencer la vérification d’identité.',
};

const IDENTITY_KEYS = [
  'given_name',
  'family_name',
  'name',
  'birth_date',
  'document_number',
  'nationality',
] as const;
const localized = v.record(v.string(), v.string());

const configSchema = v.strictObject({
  /**
   * How the user gets the IPA URL: QR code on screen, a link by email / SMS to the profile's mail / phone, or a
   * redirect of this browser to IPA and back (`redirectReturnUrl` + a one-time `code`).
   */
  deliveryMethod: v.optional(v.picklist(DELIVERY_METHODS), 'QR_CODE'),
  /** Let the user choose among `deliveryMethods` (ChoiceCallback) instead of using `deliveryMethod`. */
  allowUserChoice: v.optional(v.boolean(), false),
  deliveryMethods: v.optional(v.pipe(v.array(v.picklist(DELIVERY_METHODS)), v.minLength(1)), [
    'QR_CODE',
    'EMAIL',
    'SMS',
  ]),
  deliveryMethodMessage: v.optional(localized),
  /**
   * REDIRECT: the client page IPA sends the user back to; `code` and `state` are appended (the ForgeRock SDK's
   * FRAuth.resume posts them back with the saved step). Default: the root page of the UI base URL
   * (`UI_BASE_URL/`; in the cloud the `uiBaseUrl` setting; locally Proofline's demo page).
   */
  redirectReturnUrl: v.optional(v.pipe(v.string(), v.url())),
  /** Lowest acceptable GIPS level of assurance. */
  minimumLevelOfAssurance: v.optional(v.picklist(['LOA0', 'LOA1', 'LOA2', 'LOA3', 'LOA4']), 'LOA2'),
  /** Identity attribute (from the verified document) → profile attribute that must match. */
  biographicMatching: v.optional(v.record(v.picklist(IDENTITY_KEYS), v.string()), {}),
  /** Shared-state key for evidence statuses and LOA (no images, no document data); omitted: not stored. */
  metadataKey: v.optional(v.string()),
  /** Shared-state key for the verified identity attributes; omitted: not stored. */
  verifiedDataKey: v.optional(v.string()),
  /**
   * Keep IDEMIA's proof archive (`proofUrl`) after a success: encrypted, for the retention period of the proof
   * store (S3 bucket or local folder). Its key is recorded on the IPA session.
   */
  storeProof: v.optional(v.boolean(), false),
  /** Shared-state key for `{code, message}` when the node fails; omitted: not captured. */
  failureReasonKey: v.optional(v.string(), 'idemiaIpaFailureReason'),
  /** IPA for Microsoft Entra: the user receives a verifiable credential; no identity retrieval. */
  entraVerifiedId: v.optional(v.boolean(), false),
  /** How long the client waits between polls. */
  pollingWaitMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000)), 5000),
  qrCodeMessage: v.optional(localized),
  /**
   * The IPA link as text under the QR code (`{{url}}` is replaced by it), for a UI that cannot draw the QR code
   * (the ForgeRock SDK's FRQRCode and the Login Widget only know otpauth:// and pushauth:// URIs).
   */
  linkMessage: v.optional(localized),
  waitingMessage: v.optional(localized),
  /** Email subject and body; `{{url}}` is replaced by the IPA URL. */
  emailSubject: v.optional(localized),
  emailText: v.optional(localized),
  /** SMS text; `{{url}}` is replaced by the IPA URL. */
  smsText: v.optional(localized),
});
type Config = v.InferOutput<typeof configSchema>;

const DEFAULT_QR_MESSAGE = {
  en: 'Scan the QR code with your phone to verify your identity with your ID document and a selfie.',
  fr: "Scannez le code QR avec votre téléphone pour vérifier votre identité avec votre pièce d'identité et un selfie.",
};
const DEFAULT_LINK_MESSAGE = {
  en: 'Or open this link on your phone: {{url}}',
  fr: 'Ou ouvrez ce lien sur votre téléphone : {{url}}',
};
const DEFAULT_WAITING_MESSAGE = {
  en: 'Waiting for your identity verification to complete…',
  fr: "En attente de la fin de la vérification d'identité…",
};

const DEFAULT_EMAIL_SUBJECT = { en: 'Verify your identity', fr: 'Vérifiez votre identité' };
const DEFAULT_EMAIL_TEXT = {
  en: 'Open this link on your phone to verify your identity with your ID document and a selfie:\n\n{{url}}\n\nIt expires in 30 minutes. If you did not ask for this, ignore this message.',
  fr: "Ouvrez ce lien sur votre téléphone pour vérifier votre identité avec votre pièce d'identité et un selfie :\n\n{{url}}\n\nIl expire dans 30 minutes. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
};
const DEFAULT_SMS_TEXT = { en: 'Verify your identity: {{url}}', fr: 'Vérifiez votre identité : {{url}}' };
const DEFAULT_SENT_MESSAGE = {
  en: 'We sent you a link to verify your identity. Open it on your phone.',
  fr: 'Nous vous avons envoyé un lien pour vérifier votre identité. Ouvrez-le sur votre téléphone.',
};

/** Shared-state key the Completion Decision sets to continue an unfinished session. */
export const CONTINUE_SESSION_KEY = 'idemiaIpaSessionId';
const SESSION_SECONDS = 30 * 60;
const RETENTION_SECONDS = 90 * 24 * 3600;

interface Failure {
  code: string;
  message: string;
}

function services(ctx: NodeContext<Config>): {
  idemia: IdemiaClient;
  ipaSessions: IpaSessionStore;
  base: string;
} {
  const { idemia, ipaSessions, publicBaseUrl } = ctx.services;
  if (!idemia || !ipaSessions || !publicBaseUrl) {
    throw new JourneyConfigurationError(
      `${ctx.nodeId}: IDEMIA is not configured (IDEMIA_* variables, PUBLIC_BASE_URL)`,
    );
  }
  return { idemia, ipaSessions, base: publicBaseUrl };
}

async function waitingStep(
  ctx: NodeContext<Config>,
  session: IpaSession,
  idemia: IdemiaClient,
  method: DeliveryMethod | 'RETURNED',
): Promise<NodeResult> {
  const url = idemia.startUrl(session.id);
  const templates: CallbackTemplate[] = [];
  if (method === 'REDIRECT') {
    const redirect: CallbackTemplate = {
      type: 'RedirectCallback',
      output: [
        { name: 'redirectUrl', value: url },
        { name: 'redirectMethod', value: 'GET' },
        { name: 'trackingCookie', value: false },
      ],
      input: [],
    };
    return {
      suspend: {
        callbacks: numberCallbacks([redirect, hidden('ipaSessionUrl', url)]),
        memo: { sessionId: session.id, method },
      },
    };
  }
  if (method === 'RETURNED') {
    templates.push(
      textOutputCallback(textFor(ctx, undefined, DEFAULT_RETURNED_MESSAGE)),
      hidden('ipaSessionUrl', url),
    );
  } else if (method === 'QR_CODE') {
    templates.push(
      textOutputCallback(textFor(ctx, ctx.config.qrCodeMessage, DEFAULT_QR_MESSAGE)),
      // The link as text too: a UI that cannot draw the QR code (the Login Widget) still shows the way to IPA.
      textOutputCallback(
        textFor(ctx, ctx.config.linkMessage, DEFAULT_LINK_MESSAGE).replaceAll('{{url}}', url),
        MessageType.INFORMATION,
      ),
      hidden('ipaSessionUrl', url),
      // The SVG data URL is rendered from the link when the step is answered (shared/rendered.ts): it stays out
      // of the execution's payload and of the transaction item.
      hidden('ipaSessionQrCode', qrCodeOf(url)),
    );
  } else {
    templates.push(
      textOutputCallback(textFor(ctx, undefined, DEFAULT_SENT_MESSAGE)),
      hidden('ipaSessionUrl', url),
    );
  }
  templates.push({
    type: 'PollingWaitCallback',
    output: [
      { name: 'waitTime', value: String(ctx.config.pollingWaitMs) },
      { name: 'message', value: textFor(ctx, ctx.config.waitingMessage, DEFAULT_WAITING_MESSAGE) },
    ],
    input: [],
  });
  return {
    suspend: {
      callbacks: numberCallbacks(templates),
      memo: { sessionId: session.id, method },
      // Until IDEMIA's notification (or the session's end) nothing can change: polls until then are idle. Once
      // it has come (an evaluation postponed by a GIPS outage), every poll runs the node again.
      ...(session.status === 'CREATED' ? { wait: { until: session.sessionExpiresAt } } : {}),
    },
  };
}

/**
 * Counts a message against its destination's and the client's limits, or refuses it with 429 (ThrottledError):
 * no inbox or phone is flooded and no client runs up an SMS bill.
 */
async function consumeMessage(ctx: NodeContext<Config>, destination: string): Promise<void> {
  await ctx.services.throttle.consume(messageKeys(ctx, destination));
}

function messageKeys(ctx: NodeContext<Config>, destination: string): ThrottleKey[] {
  const { policy } = ctx.services.throttle;
  const client = clientKey(ctx.clientIp);
  return [
    { id: `msg#${destinationKey(destination)}`, limit: policy.messagesPerDestination },
    ...(client ? [{ id: `msg#${client}`, limit: policy.messagesPerClient }] : []),
  ];
}

/**
 * Before an IDEMIA session is created for a link sent by email or SMS: refuses (429) when that message would be
 * throttled, so that a throttled request costs no vendor session (the step is put back as it was).
 */
async function checkMessageAllowed(ctx: NodeContext<Config>, userId: string, method: DeliveryMethod) {
  if (method !== 'EMAIL' && method !== 'SMS') return;
  const user = await ctx.services.users.get(userId);
  const destination = method === 'EMAIL' ? user?.mail : user?.telephoneNumber;
  if (destination) await ctx.services.throttle.check(messageKeys(ctx, destination), { nextEvent: true });
}

/** Sends the IPA URL by email or SMS to the user's own address; a Failure reason when there is none. */
async function deliver(
  ctx: NodeContext<Config>,
  session: IpaSession,
  url: string,
  method: DeliveryMethod,
): Promise<Failure | undefined> {
  if (method === 'QR_CODE' || method === 'REDIRECT') return undefined;
  const { messaging } = ctx.services;
  if (!messaging) throw new JourneyConfigurationError(`${ctx.nodeId}: messaging is not configured`);
  const user = session.userId ? await ctx.services.users.get(session.userId) : undefined;
  const fill = (text: string): string => text.replaceAll('{{url}}', url);
  if (method === 'EMAIL') {
    if (!user?.mail)
      return { code: 'NO_EMAIL', message: 'The profile has no email address to send the link to.' };
    await consumeMessage(ctx, user.mail);
    await messaging.sendEmail({
      to: user.mail,
      subject: textFor(ctx, ctx.config.emailSubject, DEFAULT_EMAIL_SUBJECT),
      text: fill(textFor(ctx, ctx.config.emailText, DEFAULT_EMAIL_TEXT)),
    });
    return undefined;
  }
  if (!user?.telephoneNumber)
    return { code: 'NO_PHONE', message: 'The profile has no mobile number to send the link to.' };
  await consumeMessage(ctx, user.telephoneNumber);
  await messaging.sendSms({
    to: user.telephoneNumber,
    text: fill(textFor(ctx, ctx.config.smsText, DEFAULT_SMS_TEXT)),
  });
  return undefined;
}

/**
 * The delivery methods this user can receive: email only with a `mail`, SMS only with a `telephoneNumber` on
 * the profile (offering a channel that cannot reach the user would only fail the journey).
 */
async function offeredMethods(ctx: NodeContext<Config>, userId: string): Promise<DeliveryMethod[]> {
  const needsProfile = ctx.config.deliveryMethods.some((m) => m === 'EMAIL' || m === 'SMS');
  const user = needsProfile ? await ctx.services.users.get(userId) : undefined;
  const offered = ctx.config.deliveryMethods.filter(
    (m) => (m !== 'EMAIL' || Boolean(user?.mail)) && (m !== 'SMS' || Boolean(user?.telephoneNumber)),
  );
  // QR code works for everyone; it stands in when nothing configured can reach the user.
  return offered.length > 0 ? offered : ['QR_CODE'];
}

/**
 * Asks the user how to receive the link: AM's ChoiceCallback (what AM's own nodes use for a choice of several),
 * which the ForgeRock SDK and Login Widget can set to any option (`setChoiceIndex`) — a ConfirmationCallback's
 * `setOptionIndex` accepts only 0 or 1, so a third option could not be picked.
 */
function choiceStep(ctx: NodeContext<Config>, offered: readonly DeliveryMethod[]): NodeResult {
  const choices = offered.map((m) => textFor(ctx, undefined, METHOD_LABELS[m]));
  return {
    suspend: {
      callbacks: numberCallbacks([
        {
          type: 'ChoiceCallback',
          output: [
            { name: 'prompt', value: textFor(ctx, ctx.config.deliveryMethodMessage, DEFAULT_CHOICE_MESSAGE) },
            { name: 'choices', value: choices },
            { name: 'defaultChoice', value: 0 },
          ],
          input: [{ suffix: '', value: 0 }],
        },
      ]),
      memo: { choosing: true, offered: [...offered] },
    },
  };
}

/** The delivery method: configured, or chosen by the user among those offered (undefined: ask). */
function chosenMethod(ctx: NodeContext<Config>): DeliveryMethod | undefined {
  if (!ctx.config.allowUserChoice) return ctx.config.deliveryMethod;
  if (ctx.memo?.choosing !== true) return undefined;
  const offered = Array.isArray(ctx.memo.offered)
    ? ctx.memo.offered.filter((m): m is DeliveryMethod =>
        (DELIVERY_METHODS as readonly unknown[]).includes(m),
      )
    : ctx.config.deliveryMethods;
  const selected = ctx.input?.find((c) => c.type === 'ChoiceCallback')?.input[0]?.value;
  return typeof selected === 'number' && Number.isInteger(selected) ? offered[selected] : undefined;
}

/**
 * Where IPA sends the browser back: the configured `redirectReturnUrl`, else the root page of the UI base URL
 * (`UI_BASE_URL`, the cloud's `uiBaseUrl`) — never the API's URL, which serves no page.
 */
function redirectReturnBase(ctx: NodeContext<Config>): string {
  if (ctx.config.redirectReturnUrl) return ctx.config.redirectReturnUrl;
  const ui = ctx.services.uiBaseUrl;
  if (!ui) {
    throw new JourneyConfigurationError(
      `${ctx.nodeId}: REDIRECT needs the UI base URL (UI_BASE_URL; the uiBaseUrl deployment setting) or redirectReturnUrl`,
    );
  }
  return `${ui}/`;
}

/** True when the REDIRECT delivery may be used without its own `redirectReturnUrl`: it returns to the UI. */
function returnsToUi(config: Config): boolean {
  const offered = config.allowUserChoice ? config.deliveryMethods : [config.deliveryMethod];
  return offered.includes('REDIRECT') && config.redirectReturnUrl === undefined;
}

/** The client's return URL with the one-time code and the state the ForgeRock SDK's resume expects. */
function returnUrl(base: string, code: string): string {
  const url = new URL(base);
  url.searchParams.set('code', code);
  url.searchParams.set('state', 'idemia-ipa');
  return url.toString();
}

function hidden(id: string, value: string | RenderedValue): CallbackTemplate {
  return {
    type: 'HiddenValueCallback',
    output: [
      { name: 'value', value },
      { name: 'id', value: id },
    ],
    input: [{ suffix: '', value: id }],
  };
}

function fail(ctx: NodeContext<Config>, outcome: 'Failure' | 'Time Out', failure: Failure): NodeResult {
  if (ctx.config.failureReasonKey) ctx.state[ctx.config.failureReasonKey] = { ...failure, exception: '' };
  return { outcome };
}

/** How far IDEMIA's clock and ours may disagree about when a session began. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Whether the identity GIPS returned can be this session's (ADR 11): it is the identity asked for, and GIPS
 * created it while the session was open. An identity from before the session — another session's, named in a
 * forged notification — is refused; so is one that does not say when it was created (IDEMIA's samples always
 * do). The webhook has already made sure no other session claimed the same identity.
 */
function notOfSession(
  identity: Awaited<ReturnType<IdemiaClient['getIdentity']>>,
  session: IpaSession,
): Failure | undefined {
  const refused = (why: string): Failure => ({
    code: 'IDENTITY_NOT_OF_SESSION',
    message: `The identity is not this session's: ${why}.`,
  });
  const id = identity.id ?? identity.globalStatus?.id;
  if (id !== undefined && id !== session.identityId) return refused('GIPS returned another identity');
  const created = Date.parse(identity.globalStatus?.creationDateTime ?? '');
  if (Number.isNaN(created)) return refused('it has no creation time');
  const opened = Date.parse(session.createdAt);
  if (created < opened - CLOCK_SKEW_MS || created > session.sessionExpiresAt * 1000 + CLOCK_SKEW_MS)
    return refused('it was created outside the session');
  return undefined;
}

/** Evaluates a completed session from GIPS (the notification is never trusted for the result). */
async function evaluate(
  ctx: NodeContext<Config>,
  session: IpaSession,
  idemia: IdemiaClient,
): Promise<{
  failure?: Failure;
  loa?: string;
  metadata?: JsonObject;
  verified?: Record<string, string>;
  /** What the user's identityVerification keeps of the identity (verifiedIdentityRecord). */
  recorded?: Partial<IdentityVerification>;
  unavailable?: boolean;
}> {
  if (ctx.config.entraVerifiedId) return {};
  if (!session.identityId)
    return { failure: { code: 'NO_IDENTITY', message: 'The session ended without an identity.' } };
  let identity: Awaited<ReturnType<IdemiaClient['getIdentity']>>;
  try {
    identity = await idemia.getIdentity(session.identityId);
  } catch (error) {
    if (error instanceof ProviderRequestError) {
      return {
        failure: {
          code: 'IDENTITY_UNAVAILABLE',
          message: `GIPS refused the identity (HTTP ${error.status}).`,
        },
      };
    }
    if (error instanceof ProviderUnavailableError) return { unavailable: true };
    throw error;
  }
  const notOurs = notOfSession(identity, session);
  if (notOurs) return { metadata: evidenceSummary(identity), failure: notOurs };
  const metadata = evidenceSummary(identity);
  const verified = verifiedAttributes(identity);
  const loa = levelOfAssurance(identity);
  const loaText = identity.globalStatus?.levelOfAssurance;
  if (loa === undefined) {
    return { metadata, failure: { code: 'LOA_MISSING', message: 'The identity has no level of assurance.' } };
  }
  const minimum = Number(ctx.config.minimumLevelOfAssurance.slice(3));
  if (loa < minimum) {
    return {
      metadata,
      ...(loaText ? { loa: loaText } : {}),
      failure: {
        code: 'LOA_TOO_LOW',
        message: `Level of assurance ${loaText} is below ${ctx.config.minimumLevelOfAssurance}.`,
      },
    };
  }
  const pairs = Object.entries(ctx.config.biographicMatching);
  if (pairs.length > 0) {
    const user = ctx.state.userId ? await ctx.services.users.get(ctx.state.userId) : undefined;
    const profile = (user ?? {}) as unknown as JsonObject;
    const results = pairs.map(([identifier, attribute]) => {
      const fromDocument = verified[identifier];
      const fromProfile = getPath(profile, attribute);
      const match =
        fromDocument === undefined || typeof fromProfile !== 'string'
          ? 'NOT_APPLICABLE'
          : normalizeForMatch(fromDocument) === normalizeForMatch(fromProfile)
            ? 'HIGH'
            : 'NONE';
      return { identifier, match };
    });
    metadata.biographicMatchResults = results;
    const mismatched = results.filter((r) => r.match !== 'HIGH').map((r) => r.identifier);
    if (mismatched.length > 0) {
      return {
        metadata,
        loa: loaText as string,
        failure: {
          code: 'BIOGRAPHIC_MISMATCH',
          message: `The document does not match the profile: ${mismatched.join(', ')}.`,
        },
      };
    }
  }
  return { metadata, verified, loa: loaText as string, recorded: verifiedIdentityRecord(identity) };
}

/**
 * Fetches the proof archive from GIPS and keeps it in the proof store; its key, or undefined when it could not
 * be kept. The user's journey does not fail for it: the operator is told (the proof stays at IDEMIA's GIPS for
 * its own retention period, and can be fetched again from `proofUrl`).
 */
async function storeProof(
  ctx: NodeContext<Config>,
  session: IpaSession,
  idemia: IdemiaClient,
): Promise<string | undefined> {
  const { proofs } = ctx.services;
  if (!proofs)
    throw new JourneyConfigurationError(`${ctx.nodeId}: storeProof needs a proof store (PROOF_BUCKET)`);
  if (!session.proofUrl) {
    logger.error('IDEMIA proof not stored: the notification had no proofUrl', { sessionId: session.id });
    return undefined;
  }
  const key = proofKey(session.userId ?? 'unknown', session.id);
  try {
    await proofs.put(key, await idemia.getProof(session.proofUrl));
    logger.info('IDEMIA proof stored', { sessionId: session.id });
    return key;
  } catch (error) {
    logger.error('IDEMIA proof not stored', { sessionId: session.id, error: error as Error });
    return undefined;
  }
}

/**
 * IDEMIA IPA Evaluation: PingOne Verify Evaluation's semantics on IDEMIA IPA (seeds 001 and 003). Starts an
 * IPA session (or continues the one the Completion Decision found), shows its URL as a QR code, and waits —
 * polled by the client, or resumed by IDEMIA's end-of-process webhook — then evaluates the identity fetched
 * from GIPS: minimum level of assurance and biographic matching.
 */
export const idemiaIpaEvaluation = {
  type: 'IdemiaIpaEvaluationNode',
  displayName: 'IDEMIA IPA Evaluation',
  family: 'idemia',
  configSchema,
  outcomes: () => ['Success', 'Failure', 'Time Out'],
  suspends: true,
  usesUiBaseUrl: returnsToUi,
  async process(ctx): Promise<NodeResult> {
    const { idemia, ipaSessions, base } = services(ctx);
    const userId = ctx.state.userId;
    if (!userId)
      throw new JourneyConfigurationError(`${ctx.nodeId}: no identified user (sign the user in first)`);
    const memoSession = typeof ctx.memo?.sessionId === 'string' ? ctx.memo.sessionId : undefined;
    const continuing =
      typeof ctx.state[CONTINUE_SESSION_KEY] === 'string'
        ? (ctx.state[CONTINUE_SESSION_KEY] as string)
        : undefined;
    delete ctx.state[CONTINUE_SESSION_KEY];
    const existingId = memoSession ?? continuing;
    let session = existingId ? await ipaSessions.get(existingId) : undefined;
    if (session && session.userId !== userId) session = undefined;
    // A continued session is shown as a QR code unless the step already chose otherwise.
    const shownAs: DeliveryMethod =
      typeof ctx.memo?.method === 'string' &&
      (DELIVERY_METHODS as readonly string[]).includes(ctx.memo.method)
        ? (ctx.memo.method as DeliveryMethod)
        : ctx.config.allowUserChoice
          ? 'QR_CODE'
          : ctx.config.deliveryMethod;

    if (!session) {
      const method = chosenMethod(ctx);
      if (!method) return choiceStep(ctx, await offeredMethods(ctx, userId));
      await checkMessageAllowed(ctx, userId, method);
      const key = newSecret();
      const returnCode = method === 'REDIRECT' ? newSecret() : undefined;
      const gotoUrl = returnCode ? returnUrl(redirectReturnBase(ctx), returnCode) : undefined;
      const { sessionId } = await idemia.createSession({
        callbackUrl: `${base}/webhooks/idemia/ipa/${key}`,
        ...(gotoUrl ? { gotoUrl } : {}),
      });
      const now = nowSeconds(ctx.services.clock);
      session = {
        id: sessionId,
        txId: ctx.txId,
        journey: ctx.journey,
        realm: ctx.realm,
        nodeId: ctx.nodeId,
        userId,
        status: 'CREATED',
        keyHash: hashSecret(key),
        ...(returnCode ? { returnCodeHash: hashSecret(returnCode) } : {}),
        notifications: 0,
        createdAt: new Date(ctx.services.clock.nowMs()).toISOString(),
        sessionExpiresAt: now + SESSION_SECONDS,
        expiresAt: now + RETENTION_SECONDS,
      };
      await ipaSessions.create(session);
      const undelivered = await deliver(ctx, session, idemia.startUrl(sessionId), method);
      if (undelivered) return fail(ctx, 'Failure', undelivered);
      return waitingStep(ctx, session, idemia, method);
    }

    // Back from IPA in this browser: the one-time code must be the session's.
    let shown: DeliveryMethod | 'RETURNED' = shownAs;
    if (shownAs === 'REDIRECT' && ctx.returnCode) {
      if (!session.returnCodeHash || !secretMatches(ctx.returnCode, session.returnCodeHash)) {
        return fail(ctx, 'Failure', {
          code: 'INVALID_RETURN_CODE',
          message: 'The code brought back from IDEMIA is not valid.',
        });
      }
      shown = 'RETURNED';
    } else if (ctx.memo?.method === 'RETURNED') {
      shown = 'RETURNED';
    }
    if (session.result === 'SUCCESS') return { outcome: 'Success' };
    if (session.result === 'FAILURE') {
      const stored = session.failure ?? {};
      return fail(ctx, 'Failure', {
        code: typeof stored.code === 'string' ? stored.code : 'IDENTITY_VERIFICATION_FAILED',
        message: typeof stored.message === 'string' ? stored.message : 'Identity verification failed.',
      });
    }
    switch (session.status) {
      case 'CREATED':
        if (nowSeconds(ctx.services.clock) >= session.sessionExpiresAt) {
          return fail(ctx, 'Time Out', {
            code: 'SESSION_EXPIRED',
            message: 'The identity verification session expired.',
          });
        }
        return waitingStep(ctx, session, idemia, shown);
      case 'HEARTBEAT_TIMEOUT':
        return fail(ctx, 'Time Out', {
          code: 'HEARTBEAT_TIMEOUT',
          message: 'The identity verification was not started or was abandoned.',
        });
      case 'ERROR':
        return fail(ctx, 'Failure', {
          code: 'IPA_ERROR',
          message: 'The identity verification ended with an error or was cancelled.',
        });
      case 'COMPLETED':
        break;
    }

    const result = await evaluate(ctx, session, idemia);
    if (result.unavailable) {
      // GIPS is down for now: keep the user waiting; the next poll tries again.
      logger.warn('GIPS unavailable; evaluation postponed', { sessionId: session.id, txId: ctx.txId });
      return waitingStep(ctx, session, idemia, shown);
    }
    if (ctx.config.metadataKey && result.metadata) ctx.state[ctx.config.metadataKey] = result.metadata;
    if (result.failure) {
      await ipaSessions.recordResult(session.id, {
        result: 'FAILURE',
        ...(result.loa ? { levelOfAssurance: result.loa } : {}),
        failure: { code: result.failure.code, message: result.failure.message },
      });
      return fail(ctx, 'Failure', result.failure);
    }
    if (ctx.config.verifiedDataKey && result.verified)
      ctx.state[ctx.config.verifiedDataKey] = result.verified;
    if (ctx.config.entraVerifiedId) ctx.state.idemiaIpaVerifiableCredentialIssued = true;
    const loa = result.loa ?? 'VC';
    const stored = ctx.config.storeProof ? await storeProof(ctx, session, idemia) : undefined;
    await ipaSessions.recordResult(session.id, {
      result: 'SUCCESS',
      levelOfAssurance: loa,
      ...(stored ? { proofKey: stored } : {}),
    });
    await ctx.services.users.recordIdentityVerification(userId, {
      provider: ctx.config.entraVerifiedId ? 'IDEMIA IPA (Entra Verified ID)' : 'IDEMIA IPA',
      levelOfAssurance: loa,
      verifiedAt: new Date(ctx.services.clock.nowMs()).toISOString(),
      sessionId: session.id,
      ...result.recorded,
    });
    return { outcome: 'Success' };
  },
} satisfies NodeDefinition<Config>;

/**
 * An ISO `YYYY-MM-DD` date from the formats identity documents and GIPS use (`YYYY-MM-DD`, an ISO date-time,
 * `YYYYMMDD`, `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY`); undefined when it is none of them or no real date.
 */
export function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const ymd = /^(\d{4})-?(\d{2})-?(\d{2})(?:T.+)?$/.exec(text);
  const dmy = /^(\d{2})[/.-](\d{2})[/.-](\d{4})$/.exec(text);
  const match = ymd ? [ymd[1], ymd[2], ymd[3]] : dmy ? [dmy[3], dmy[2], dmy[1]] : undefined;
  if (!match) return undefined;
  const [year, month, day] = match.map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return match.join('-');
}

/**
 * What the user's identityVerification keeps of a verified GIPS identity (OIDC4IDA verified_claims): the names
 * and birth date read on the verified document, its type and issuing country, and when GIPS evaluated it.
 * PII: recorded, never logged.
 */
export function verifiedIdentityRecord(identity: GipsIdentity): Partial<IdentityVerification> {
  const attributes = verifiedAttributes(identity);
  const document = (identity.idDocuments ?? []).find((d) => d.evidenceStatus?.status === 'VERIFIED');
  const data = document?.idDocumentData ?? {};
  const pick = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = data[key];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    return undefined;
  };
  const type = pick('documentType', 'idDocumentType', 'type');
  const issuingCountry = pick('issuingCountry', 'issuingCountryCode', 'issuingState', 'countryCode');
  const birthdate = isoDate(attributes.birth_date);
  const evaluated = identity.globalStatus?.evaluationDateTime;
  const evidenceTime = evaluated && !Number.isNaN(Date.parse(evaluated)) ? evaluated : undefined;
  return {
    ...(attributes.given_name ? { givenName: attributes.given_name } : {}),
    ...(attributes.family_name ? { familyName: attributes.family_name } : {}),
    ...(birthdate ? { birthdate } : {}),
    ...(type || issuingCountry
      ? { document: { ...(type ? { type } : {}), ...(issuingCountry ? { issuingCountry } : {}) } }
      : {}),
    ...(evidenceTime ? { evidenceTime } : {}),
  };
}
