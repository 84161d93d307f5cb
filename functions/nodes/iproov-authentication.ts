import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { nowSeconds } from '../contract/clock.js';
import type { IproovClaim, User } from '../contract/data.js';
import { accountKey, isFinished } from '../contract/keys.js';
import type { NodeContext, NodeDefinition, NodeResult } from '../contract/nodes.js';
import type { IproovClaimStore } from '../contract/ports.js';
import { ProviderRequestError } from '../providers/errors.js';
import type { AssuranceType, ClaimType, IproovClient, ValidateResponse } from '../providers/iproov/client.js';
import {
  type CallbackTemplate,
  inputValue,
  numberCallbacks,
  textOutputCallback,
} from '../shared/callbacks.js';
import type { JsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import { hashSecret, newSecret } from '../shared/secret-hash.js';
import { getPath } from './attributes.js';
import { parseReferencePhoto, type Reason, sdkOptions, sdkSchema } from './iproov-support.js';
import { textFor } from './messages.js';
import { transientOf } from './page-support.js';

/** The web SDK's terminal events, as the client reports them in the `iproovResult` HiddenValueCallback. */
export const SDK_EVENTS = [
  'passed',
  'failed',
  'canceled',
  'error',
  'unsupported',
  'permission_denied',
  'no_camera',
] as const;
type SdkEvent = (typeof SDK_EVENTS)[number];
/** Events meaning the device or the connection failed: no point retrying on this device. */
const DEVICE_EVENTS: readonly SdkEvent[] = ['error', 'unsupported', 'permission_denied', 'no_camera'];

export const RESULT_CALLBACK_ID = 'iproovResult';
/** Shared-state outputs (seed 000's names, including its spelling of the photo's). */
export const VALIDATE_RESPONSE_KEY = 'iProovValidateResponse';
export const VALIDATE_PHOTO_KEY = 'iProoveValidatePhoto';

const localized = v.record(v.string(), v.string());

const configSchema = v.pipe(
  v.strictObject({
    /** GPA: Genuine Presence Assurance; LA: Liveness Assurance. */
    assuranceType: v.optional(v.picklist(['GPA', 'LA']), 'GPA'),
    /** Enrol; Verify; Combined: enrol when iProov does not know the user yet, else verify. */
    authenticationType: v.optional(v.picklist(['Enrol', 'Verify', 'Combined']), 'Enrol'),
    /**
     * Who is scanned (seed 002's in-browser modes): `profile`, the journey's user by their unique-ID attribute;
     * `livenessOnly`, any real face passes and no enrolment is left behind; `referencePhoto`, the face must
     * match a JPEG data URL found in shared state (enrolled for the check, deleted after the result).
     */
    mode: v.optional(v.picklist(['profile', 'livenessOnly', 'referencePhoto']), 'profile'),
    /** The profile attribute holding the user's iProov user id (seed 000's "User Unique ID Attribute"). */
    userIdAttribute: v.optional(v.pipe(v.string(), v.minLength(1)), 'id'),
    referencePhotoKey: v.optional(v.pipe(v.string(), v.minLength(1)), 'iproovReferencePhoto'),
    /**
     * Largest reference photo accepted, in bytes. As a data URL (4/3 of the bytes) it travels in shared state:
     * through every execution's payload (Step Functions' 256 KiB quota, with the rest of the context) and the
     * transaction item (DynamoDB's 400 KB). A larger photo fails the step with States.DataLimitExceeded.
     */
    maxReferencePhotoBytes: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(160_000)),
      150_000,
    ),
    referencePhotoSource: v.optional(v.picklist(['oid', 'eid', 'selfie']), 'oid'),
    /** Scans per journey before Failure (seed 002: 3). */
    maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)), 3),
    /** Put the frame iProov returns in shared state (`iProoveValidatePhoto`); removed when the journey ends. */
    returnPhoto: v.optional(v.boolean(), false),
    /** The `resource` iProov records for the claim. */
    resource: v.optional(v.pipe(v.string(), v.minLength(1)), 'Proofline'),
    riskProfile: v.optional(v.string()),
    /**
     * The scan is expected on another device (a native app that calls the results webhook, `resultsUrl` in the
     * metadata): the step also carries a PollingWaitCallback, so the client waits and polls.
     */
    crossDevice: v.optional(v.boolean(), false),
    pollingWaitMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000)), 5000),
    /**
     * The Retry Limit Decision on this node's Failure outcome that counts failed scans per account (the lint
     * checks it): a verified face clears that count, and no other (a password's count is the password's).
     */
    retryLimitDecision: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/))),
    /** Shared-state key for `{code, message}` when the outcome is Error or Failure. */
    errorReasonKey: v.optional(v.pipe(v.string(), v.minLength(1)), 'iProovErrorReason'),
    message: v.optional(localized),
    /** Shown before another attempt; `{{remaining}}` is replaced by the attempts left. */
    retryMessage: v.optional(localized),
    sdk: v.optional(sdkSchema, {}),
    /**
     * On Success, record the face as bound to the user's verified identity (`identityVerification.faceBinding`,
     * released as OIDC4IDA evidence): IdentityProofing's last step. Users without a verification get nothing.
     */
    recordFaceBinding: v.optional(v.boolean(), false),
  }),
  v.check(
    (c) => c.assuranceType === 'LA' || (c.sdk.filter !== 'clear' && c.sdk.filter !== 'blur'),
    'sdk.filter clear and blur are for Liveness Assurance (assuranceType LA) only',
  ),
);
type Config = v.InferOutput<typeof configSchema>;

const DEFAULT_MESSAGE = {
  en: 'Scan your face to continue.',
  fr: 'Scannez votre visage pour continuer.',
};
const DEFAULT_RETRY_MESSAGE = {
  en: 'The face scan did not succeed. Try again (attempts left: {{remaining}}).',
  fr: "Le scan du visage n'a pas abouti. Réessayez (essais restants : {{remaining}}).",
};
const DEFAULT_WAITING_MESSAGE = {
  en: 'Waiting for the face scan to complete…',
  fr: 'En attente de la fin du scan du visage…',
};

/** A token lives minutes at iProov; the claim record a little longer. */
const CLAIM_SECONDS = 30 * 60;

const assurance = (config: Config): AssuranceType =>
  config.assuranceType === 'LA' ? 'liveness' : 'genuine_presence';

/** Reasons that are the user's or account's state, not a fault: logged as warnings, not errors. */
const ACCOUNT_REASONS = new Set(['USER_NOT_FOUND', 'ACCOUNT_INACTIVE', 'VERIFY_REFUSED']);

/** The Error outcome (seed 000): the reason goes to shared state and to the log (errors at error level). */
function error(ctx: NodeContext<Config>, reason: Reason): NodeResult {
  const fields = { nodeId: ctx.nodeId, txId: ctx.txId, code: reason.code, reason: reason.message };
  if (ACCOUNT_REASONS.has(reason.code)) logger.warn('iProov node: account cannot be scanned', fields);
  else logger.error('iProov node error', fields);
  ctx.state[ctx.config.errorReasonKey] = { ...reason };
  return { outcome: 'Error' };
}

function hiddenResult(): CallbackTemplate {
  return {
    type: 'HiddenValueCallback',
    output: [
      { name: 'value', value: '' },
      { name: 'id', value: RESULT_CALLBACK_ID },
    ],
    input: [{ suffix: '', value: RESULT_CALLBACK_ID }],
  };
}

/** The scan step: messages, the SDK's metadata, the result slot (and polling when the scan is elsewhere). */
function scanStep(ctx: NodeContext<Config>, claim: IproovClaim, resultsUrl: string | undefined): NodeResult {
  const { config } = ctx;
  const iproov = ctx.services.iproov as IproovClient;
  const transient = transientOf(ctx as NodeContext<unknown>);
  const templates: CallbackTemplate[] = (transient.messages ?? []).map((m) =>
    textOutputCallback(m.message, m.messageType),
  );
  delete transient.messages;
  templates.push(textOutputCallback(textFor(ctx, config.message, DEFAULT_MESSAGE)));
  templates.push({
    type: 'MetadataCallback',
    output: [
      {
        name: 'data',
        value: {
          iproov: {
            token: claim.token,
            baseUrl: iproov.platformUrl,
            type: claim.type,
            assuranceType: assurance(config),
            sdkVersion: config.sdk.version,
            ...sdkOptions(config.sdk),
            ...(resultsUrl ? { resultsUrl } : {}),
          },
        },
      },
    ],
    input: [],
  });
  templates.push(hiddenResult());
  if (config.crossDevice) {
    templates.push({
      type: 'PollingWaitCallback',
      output: [
        { name: 'waitTime', value: String(config.pollingWaitMs) },
        { name: 'message', value: textFor(ctx, undefined, DEFAULT_WAITING_MESSAGE) },
      ],
      input: [],
    });
  }
  return {
    suspend: {
      callbacks: numberCallbacks(templates),
      memo: { claimId: claim.id, ...(resultsUrl ? { resultsUrl } : {}) },
      // A scan on another device is reported by the results webhook: polls until then are idle.
      ...(config.crossDevice ? { wait: { until: claim.expiresAt } } : {}),
    },
  };
}

/**
 * The user this scan is for: the one an earlier node identified (`userId`), never a name the client typed — a
 * face step offered by name alone would tell who exists and who enrolled a face (ADR 10), and the iProov
 * function needs no user look-up by name (least privilege).
 */
async function findUser(ctx: NodeContext<Config>): Promise<User | undefined> {
  return ctx.state.userId ? ctx.services.users.get(ctx.state.userId) : undefined;
}

const refusedReason = (code: string, error: ProviderRequestError): Reason => ({
  code,
  message: error.message,
});

/** Claims a token for this attempt and suspends with the scan step; Error when the user or config cannot. */
async function start(
  ctx: NodeContext<Config>,
  iproov: IproovClient,
  claims: IproovClaimStore,
): Promise<NodeResult> {
  const { config } = ctx;
  let iproovUserId: string;
  let type: ClaimType;
  let temporary = false;
  try {
    if (config.mode === 'profile') {
      const user = await findUser(ctx);
      if (!user)
        return error(ctx, {
          code: 'USER_NOT_FOUND',
          message:
            'No user is identified for iProov: put the node after one that identifies the user (e.g. Identity Store Decision).',
        });
      if (user.accountStatus !== 'active')
        return error(ctx, { code: 'ACCOUNT_INACTIVE', message: 'The account is not active.' });
      const id = getPath(user as unknown as JsonObject, config.userIdAttribute);
      if (typeof id !== 'string' || id === '') {
        return error(ctx, {
          code: 'USER_ID_ATTRIBUTE_MISSING',
          message: `The profile has no ${config.userIdAttribute} to identify the user at iProov.`,
        });
      }
      ctx.state.userId = user.id;
      iproovUserId = id;
      type = config.authenticationType === 'Enrol' ? 'enrol' : 'verify';
    } else if (config.mode === 'livenessOnly') {
      // A throw-away user: any real face passes, and the enrolment is deleted after the result.
      iproovUserId = `proofline-liveness-${randomBytes(16).toString('hex')}`;
      type = 'enrol';
      temporary = true;
    } else {
      temporary = true;
      type = 'verify';
      const transient = transientOf(ctx as NodeContext<unknown>);
      const enrolled = transient.referenceEnrolments?.[ctx.nodeId];
      if (enrolled) {
        // Another attempt in the same execution (Retry loops back here): the photo is enrolled already.
        iproovUserId = enrolled;
      } else {
        const photo = parseReferencePhoto(ctx.state[config.referencePhotoKey], config.maxReferencePhotoBytes);
        // Used once, here: the photo leaves shared state now, so no later Lambda payload or execution output
        // carries it and no transaction item stores it (Step Functions' 256 KiB quota, issue 9).
        delete ctx.state[config.referencePhotoKey];
        if ('reason' in photo) return error(ctx, photo.reason);
        iproovUserId = `proofline-reference-${randomBytes(16).toString('hex')}`;
        const enrol = await iproov.claimToken('enrol', {
          userId: iproovUserId,
          assuranceType: assurance(config),
          resource: config.resource,
        });
        try {
          await iproov.enrolImage({
            token: enrol.token,
            jpeg: photo.jpeg,
            source: config.referencePhotoSource,
          });
        } catch (cause) {
          if (cause instanceof ProviderRequestError)
            return error(ctx, refusedReason('REFERENCE_PHOTO_REJECTED', cause));
          throw cause;
        }
      }
    }
  } catch (cause) {
    if (cause instanceof ProviderRequestError) return error(ctx, refusedReason('IPROOV_REFUSED', cause));
    throw cause;
  }

  const request = {
    userId: iproovUserId,
    assuranceType: assurance(config),
    resource: config.resource,
    ...(config.riskProfile ? { riskProfile: config.riskProfile } : {}),
  };
  const verifyOnly = config.mode === 'profile' && config.authenticationType === 'Verify';
  let token: string;
  try {
    if (config.mode === 'profile' && config.authenticationType === 'Combined') {
      ({ token, type } = await iproov.claimVerifyOrEnrolToken(request));
    } else {
      ({ token } = await iproov.claimToken(type, request));
    }
  } catch (cause) {
    if (temporary) await iproov.deleteUser(iproovUserId).catch(() => undefined);
    if (cause instanceof ProviderRequestError)
      return error(ctx, refusedReason(verifyOnly ? 'VERIFY_REFUSED' : 'IPROOV_REFUSED', cause));
    throw cause;
  }
  const key = newSecret();
  const claim: IproovClaim = {
    id: hashSecret(key),
    txId: ctx.txId,
    journey: ctx.journey,
    realm: ctx.realm,
    nodeId: ctx.nodeId,
    token,
    type,
    iproovUserId,
    temporary,
    createdAt: new Date(ctx.services.clock.nowMs()).toISOString(),
    expiresAt: nowSeconds(ctx.services.clock) + CLAIM_SECONDS,
  };
  await claims.create(claim);
  // Where a native app that ran the scan reports it (results webhook); the browser may hand it over by QR code.
  const base = ctx.services.publicBaseUrl;
  const resultsUrl = base ? `${base}/webhooks/iproov/${key}` : undefined;
  return scanStep(ctx, claim, resultsUrl);
}

/** The SDK event the client reported; undefined when it left the callback untouched (or sent junk). */
function reportedEvent(ctx: NodeContext<Config>): SdkEvent | undefined {
  const callback = ctx.input?.find(
    (c) =>
      c.type === 'HiddenValueCallback' &&
      c.output.some((o) => o.name === 'id' && o.value === RESULT_CALLBACK_ID),
  );
  const value = callback ? inputValue(callback) : undefined;
  return (SDK_EVENTS as readonly unknown[]).includes(value) ? (value as SdkEvent) : undefined;
}

/** The claim is over: forget it, and delete a throw-away enrolment once no other attempt needs it. */
async function finish(
  ctx: NodeContext<Config>,
  claim: IproovClaim,
  iproov: IproovClient,
  claims: IproovClaimStore,
  final: boolean,
): Promise<void> {
  await claims.finish(claim.id);
  const transient = transientOf(ctx as NodeContext<unknown>);
  if (claim.temporary && !final && ctx.config.mode === 'referencePhoto') {
    // The next attempt (Retry loops back to this node in the same execution, which the lint checks) verifies
    // against the same enrolment: the photo is gone from shared state.
    transient.referenceEnrolments = { ...transient.referenceEnrolments, [ctx.nodeId]: claim.iproovUserId };
    return;
  }
  if (transient.referenceEnrolments?.[ctx.nodeId]) {
    const { [ctx.nodeId]: _done, ...others } = transient.referenceEnrolments;
    transient.referenceEnrolments = others;
  }
  if (claim.temporary) {
    await iproov.deleteUser(claim.iproovUserId).catch((cause: unknown) => {
      // Not fatal to the user's journey; the operator must know an enrolment outlived its check.
      logger.error('Deleting a temporary iProov enrolment failed', {
        nodeId: ctx.nodeId,
        error: cause as Error,
      });
    });
  }
}

/**
 * Counts a validated scan toward the node's limit in this journey, in the shared state's per-journey counters
 * (`retryCounts`, keyed by node id, as a Retry Limit Decision that does not save to the user keeps them).
 */
function countAttempt(ctx: NodeContext<Config>): number {
  const used = (ctx.state.retryCounts?.[ctx.nodeId] ?? 0) + 1;
  ctx.state.retryCounts = { ...ctx.state.retryCounts, [ctx.nodeId]: used };
  return used;
}

/**
 * iProov Authentication (seed 000): claims an iProov token for the user (Enrol, Verify or Combined; or seed
 * 002's liveness-only and reference-photo modes), hands it to the client's web SDK in a MetadataCallback and
 * waits for the SDK's event in the `iproovResult` HiddenValueCallback, or for a native app's report on the
 * results webhook. The result is always validated server-side with iProov: the client's word is never trusted.
 */
export const iproovAuthentication = {
  type: 'IproovAuthenticationNode',
  displayName: 'iProov Authentication',
  family: 'iproov',
  configSchema,
  outcomes: () => ['Success', 'Failure', 'Retry', 'Error', 'Cancel'],
  checkJourney(self, nodeOf) {
    // The reference photo is enrolled once and kept only for attempts in the same execution.
    if (self.config.mode === 'referencePhoto' && self.routes.Retry !== self.id)
      return `in referencePhoto mode, Retry must route back to ${self.id} (it goes to ${String(self.routes.Retry)})`;
    const counter = self.config.retryLimitDecision;
    if (counter && (self.routes.Failure !== counter || nodeOf(counter)?.type !== 'RetryLimitDecisionNode'))
      return `retryLimitDecision must name the Retry Limit Decision on the "Failure" outcome (${String(self.routes.Failure)})`;
    return undefined;
  },
  suspends: true,
  async process(ctx): Promise<NodeResult> {
    const { iproov, iproovClaims: claims, publicBaseUrl } = ctx.services;
    if (!iproov || !claims || (ctx.config.crossDevice && !publicBaseUrl)) {
      return error(ctx, {
        code: 'NOT_CONFIGURED',
        message: 'iProov is not configured (IPROOV_* settings, and PUBLIC_BASE_URL for cross-device scans).',
      });
    }
    const claimId = typeof ctx.memo?.claimId === 'string' ? ctx.memo.claimId : undefined;
    const claim = claimId ? await claims.get(claimId) : undefined;
    if (!claim || isFinished(claim)) return start(ctx, iproov, claims);

    const event = reportedEvent(ctx);
    if (!event && !claim.reportedAt) {
      // Nothing reported yet (a poll, or a client that did not set the result): the same scan step.
      return scanStep(ctx, claim, typeof ctx.memo?.resultsUrl === 'string' ? ctx.memo.resultsUrl : undefined);
    }
    if (event === 'canceled') {
      await finish(ctx, claim, iproov, claims, true);
      return { outcome: 'Cancel' };
    }
    if (event && DEVICE_EVENTS.includes(event)) {
      // The client's word that the scan could not run: no scan was validated, so it is not a failed face
      // attempt (only iProov's validate decides those) and counts toward no lockout.
      await finish(ctx, claim, iproov, claims, true);
      ctx.state[ctx.config.errorReasonKey] = {
        code: `SDK_${event.toUpperCase()}`,
        message: 'The face scan could not run on this device or connection.',
      };
      return { outcome: 'Error' };
    }

    // `passed`, `failed`, or a native app's report: iProov says what happened.
    let response: ValidateResponse;
    try {
      response = await iproov.validate(claim.type, { userId: claim.iproovUserId, token: claim.token });
    } catch (cause) {
      if (!(cause instanceof ProviderRequestError)) throw cause;
      // Expired or already validated: this scan cannot count.
      response = { passed: false, reason: 'validation_refused' };
      logger.warn('iProov refused validation', { nodeId: ctx.nodeId, txId: ctx.txId, status: cause.status });
    }
    const { frame, ...withoutFrame } = response;
    ctx.state[VALIDATE_RESPONSE_KEY] = withoutFrame as JsonObject;
    if (ctx.config.returnPhoto && typeof frame === 'string') ctx.state[VALIDATE_PHOTO_KEY] = frame;
    const passed =
      response.passed === true && (event === 'passed' || (event === undefined && !!claim.reportedAt));
    const used = countAttempt(ctx);
    const final = passed || used >= ctx.config.maxAttempts;
    await finish(ctx, claim, iproov, claims, final);
    logger.info('iProov result', {
      nodeId: ctx.nodeId,
      txId: ctx.txId,
      type: claim.type,
      passed,
      attempt: used,
      ...(typeof response.reason === 'string' ? { reason: response.reason } : {}),
    });
    if (passed) {
      // A verified face starts its failure count again (as a correct password does its own).
      const counter = ctx.config.retryLimitDecision;
      if (counter && ctx.config.mode === 'profile' && ctx.state.username)
        await ctx.services.attempts.clear(accountKey(ctx.realm, ctx.state.username), counter);
      if (ctx.config.recordFaceBinding && ctx.config.mode === 'profile' && ctx.state.userId) {
        const bound = await ctx.services.users.recordFaceBinding(ctx.state.userId, {
          provider: 'iProov',
          verifiedAt: new Date(ctx.services.clock.nowMs()).toISOString(),
        });
        if (!bound)
          logger.warn('Face not bound: no identity verification', { nodeId: ctx.nodeId, txId: ctx.txId });
      }
      return { outcome: 'Success' };
    }
    if (!final) {
      const remaining = ctx.config.maxAttempts - used;
      transientOf(ctx as NodeContext<unknown>).messages = [
        {
          message: textFor(ctx, ctx.config.retryMessage, DEFAULT_RETRY_MESSAGE).replaceAll(
            '{{remaining}}',
            String(remaining),
          ),
          messageType: '1',
        },
      ];
      return { outcome: 'Retry' };
    }
    ctx.state[ctx.config.errorReasonKey] = {
      code: 'NOT_PASSED',
      message: `The face scan did not pass after ${used} attempts.`,
    };
    return { outcome: 'Failure' };
  },
} satisfies NodeDefinition<Config>;
