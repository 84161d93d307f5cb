/**
 * The records the journey's ports read and write (moved from functions/store/*, which implement the ports and
 * re-export these types): plain data, no storage code.
 */
import type { Callback } from '../shared/callbacks.js';
import type { JsonObject } from '../shared/json.js';
import type { SharedState } from './journey.js';

export type AccountStatus = 'active' | 'inactive';

/** The terms a user accepted, as AIC's `termsAccepted` user attribute holds it. */
export interface TermsAcceptance {
  termsVersion: string;
  /** ISO 8601. */
  acceptDate: string;
}

/** One mapping a user consented to share data with, as AIC's `consentedMappings` user attribute holds it. */
export interface ConsentedMapping {
  mapping: string;
  /** ISO 8601. */
  consentDate: string;
}
/**
 * One security-question answer (KBA, functions/nodes/kba-settings.ts): a predefined question by id, or the
 * user's own question, and the normalized answer's password hash (Argon2id) — never the answer itself.
 */
export type KbaAnswer = ({ questionId: string } | { customQuestion: string }) & { answerHash: string };

export interface UserProfile {
  userName: string;
  mail?: string;
  givenName?: string;
  sn?: string;
  /** E.164 mobile number (SMS delivery). */
  telephoneNumber?: string;
  preferences?: { marketing?: boolean; updates?: boolean };
  /** The last terms and conditions version accepted (Accept Terms and Conditions node). */
  termsAccepted?: TermsAcceptance;
  /** The mappings the user consented to (Consent Collector node); absent or empty: none. */
  consentedMappings?: ConsentedMapping[];
  /** Security questions and hashed answers (KBA Definition); absent for users who defined none. */
  kbaInfo?: KbaAnswer[];
}

export interface User extends UserProfile {
  id: string;
  /** The realm the user belongs to; absent on users created before ADR 11 (they belong to the legacy realm). */
  realm?: string;
  passwordHash?: string;
  accountStatus: AccountStatus;
  loginCount: number;
  createdAt: string;
  updatedAt: string;
  lastLogin?: string;
  /**
   * Epoch milliseconds of the last password change: sessions created before it are no longer valid (ADR 21).
   * Absent: never changed since sessions were tracked this way.
   */
  sessionsValidAfter?: number;
  /**
   * Set by identity proofing (IDEMIA IPA): the fact, its level and time, and (since issue 12) the attributes
   * IDEMIA verified on the document, released as OIDC4IDA `verified_claims` (functions/oidc/verified-claims.ts).
   * PII: never logged. Items written before issue 12 have only the first four fields.
   */
  identityVerification?: IdentityVerification;
}

/** What IDEMIA read on the verified document (absent fields: not on the document, or not given by GIPS). */
export interface VerifiedDocument {
  /** IDEMIA's document type as GIPS gives it (e.g. `PASSPORT`, `ID_CARD`). */
  type?: string;
  /** The issuing country, ICAO 3-letter code when GIPS gives it. */
  issuingCountry?: string;
}

export interface IdentityVerification {
  provider: string;
  levelOfAssurance: string;
  verifiedAt: string;
  sessionId: string;
  /** The verified names and birth date (ISO `YYYY-MM-DD`), as read from the verified document. */
  givenName?: string;
  familyName?: string;
  birthdate?: string;
  document?: VerifiedDocument;
  /** When IDEMIA checked the evidence (GIPS `evaluationDateTime`), ISO 8601. */
  evidenceTime?: string;
  /** The face bound to this identity after it was verified (iProov, IdentityProofing's last step). */
  faceBinding?: { provider: string; verifiedAt: string };
}

export type Reservation =
  | { reserved: true; count: number }
  /**
   * Nothing may be evaluated: the account is locked (`locked`), or `limit` attempts are already counted or in
   * flight (parallel attempts: one of them may yet succeed and release the count, so this one may try again).
   */
  | { reserved: false; locked: boolean };

export interface AttemptState {
  counts: Record<string, number>;
  /** Epoch seconds; `PERMANENT` for a lock without end. Absent or past: not locked. */
  lockedUntil?: number;
}

/**
 * One limit: at most `max` events per `windowSeconds` for a key; past it, the key is refused for
 * `baseDelaySeconds`, doubled with every further event over the limit in the same window, up to
 * `maxDelaySeconds` (429 with a growing Retry-After — never a server-side sleep, which Lambda would bill).
 */
export interface ThrottleLimit {
  readonly max: number;
  readonly windowSeconds: number;
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
}

export interface ThrottlePolicy {
  /** Failed credentials per account (realm + username): slows guessing one account; never locks it. */
  readonly credentialsPerAccount: ThrottleLimit;
  /** Failed credentials per client address (IPv4, or IPv6 /64): generous, many users share a NAT. */
  readonly credentialsPerClient: ThrottleLimit;
  /** Email and SMS per destination (address or number): no flooding of one inbox or phone. */
  readonly messagesPerDestination: ThrottleLimit;
  /** Email and SMS per client address: no SMS toll fraud or mail bombing from one client. */
  readonly messagesPerClient: ThrottleLimit;
}

export interface ThrottleKey {
  readonly id: string;
  readonly limit: ThrottleLimit;
}

/** IDEMIA's view of the session (from notifications) and Proofline's evaluation of it. */
export type IpaSessionStatus = 'CREATED' | 'COMPLETED' | 'ERROR' | 'HEARTBEAT_TIMEOUT';

export type IpaSessionResult = 'SUCCESS' | 'FAILURE';

export interface IpaSession {
  /** IDEMIA's sessionId. */
  id: string;
  txId: string;
  journey: string;
  realm: string;
  nodeId: string;
  userId?: string;
  status: IpaSessionStatus;
  /** SHA-256 of the per-session key in the callback URL. */
  keyHash: string;
  /** REDIRECT delivery: SHA-256 of the one-time code in the gotoUrl that brings the user back. */
  returnCodeHash?: string;
  identityId?: string;
  proofUrl?: string;
  /** Set when Proofline has evaluated the identity. */
  result?: IpaSessionResult;
  levelOfAssurance?: string;
  failure?: JsonObject;
  /** Where the proof archive is kept (proof store key), when the node stores it. */
  proofKey?: string;
  notifications: number;
  createdAt: string;
  notifiedAt?: string;
  evaluatedAt?: string;
  /** IDEMIA sessions expire 30 minutes after creation (epoch seconds). */
  sessionExpiresAt: number;
  /** Retention of this record (TTL, epoch seconds). */
  expiresAt: number;
}

/**
 * An iProov claim a journey waits on: the token the client's SDK runs, whose iProov user it is for, and whether
 * a native app reported it finished (results webhook). No photo, no validate response: those live in the
 * journey's shared state until it ends. Deleted when the node returns its result.
 */
export interface IproovClaim {
  /** SHA-256 (base64url) of the per-claim key in the results-webhook URL. */
  id: string;
  txId: string;
  journey: string;
  realm: string;
  nodeId: string;
  token: string;
  type: 'enrol' | 'verify';
  /** The user id iProov knows (the profile's unique-ID attribute, or a throw-away id). */
  iproovUserId: string;
  /** A throw-away iProov user (liveness only, reference photo): deleted after the result. */
  temporary: boolean;
  /** Set by the results webhook: the scan finished on another device. */
  reportedAt?: string;
  createdAt: string;
  /** TTL (epoch seconds). */
  expiresAt: number;
}

/** What is left of a claim whose result was returned. */
export interface FinishedClaim {
  id: string;
  finished: true;
  expiresAt: number;
}

/**
 * Where IDEMIA proof archives are kept (issue 3: encrypted, with a retention period). In the cloud an S3 bucket
 * (KMS-encrypted, TLS only, no public access, expired by a lifecycle rule); locally a folder of AES-256-GCM
 * encrypted files, swept by age. Only the object key is recorded on the IPA session.
 */
export interface ProofStore {
  put(key: string, archive: Uint8Array): Promise<void>;
}

export interface Session {
  /** SHA-256 of the token, hex. */
  id: string;
  userId: string;
  userName: string;
  realm: string;
  journey: string;
  createdAt: string;
  expiresAt: number;
}

/**
 * `succeeded`: an external event (webhook) finished the journey; the client collects its session with the authId
 * of the step it was waiting at.
 */
export type TransactionStatus = 'waiting' | 'processing' | 'succeeded' | 'complete' | 'failed';

/** Who claimed a step: a client's submission, or an external event's resume (a webhook). */
export type Claimant = 'client' | 'event';

/** A claim is a lease: it holds for `ms` milliseconds, then the step may be taken over. */
export interface Lease {
  ms: number;
  by: Claimant;
}

/** The step a transaction waits at: what the client was sent, to check what it sends back. */
export interface PendingStep {
  node: string;
  callbacks: Callback[];
  header?: string;
  description?: string;
  stage?: string;
  memo?: JsonObject;
  /**
   * A step that waits for an event (Suspension.wait): until `until`, polls are answered without running the
   * journey while the transaction's `events` is still `events` (its value when the step was written).
   */
  wait?: { until: number; events: number };
  /** A step suspended until its link is followed (Suspension.resumeLink). */
  resumeLink?: { hash: string; expiresAt: number };
  /** The journey the pending node belongs to, when it is an inner journey's (absent: the transaction's). */
  journey?: string;
}

/** An outer journey waiting for its inner journey's result, at the node that runs it (AM's Inner Tree Evaluator). */
export interface JourneyFrame {
  journey: string;
  node: string;
  memo?: JsonObject;
}

/** A journey in progress: all its state between two HTTP steps. */
export interface Transaction {
  id: string;
  journey: string;
  realm: string;
  /** Incremented by every write; writes are conditional on it. */
  version: number;
  status: TransactionStatus;
  /** SHA-256 of the current step's authId secret; absent while a step is processed or once ended. */
  stepHash?: string;
  /**
   * When an external event advanced the transaction: the hash of the step the client still holds, so its next
   * poll is answered with the current step (or the result) instead of 401.
   */
  previousStepHash?: string;
  /**
   * While `processing`: the hash of the step being processed (the step the client holds), kept so that its
   * client — or an event — may take the step over once the lease has expired, and no one else.
   */
  claimedStepHash?: string;
  /** While `processing`: when the claim expires (epoch milliseconds). */
  leaseExpiresAt?: number;
  /** While `processing`: who holds the claim. */
  claimedBy?: Claimant;
  pending?: PendingStep;
  /** The outer journeys waiting for the inner one the pending step belongs to, innermost last. */
  frames?: JourneyFrame[];
  /**
   * How many external events (webhooks) were signalled for the transaction (TransactionStore.signal): an
   * atomic counter that the service's writes never lower, so a waiting step learns of an event that arrived
   * while its step was being processed. Absent: 0.
   */
  events?: number;
  state: SharedState;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
}
