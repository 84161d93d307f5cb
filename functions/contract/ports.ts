/**
 * Ports: what the engine and the nodes reach outside themselves, as interfaces. functions/store/* implements
 * them on DynamoDB (and S3 or local files); the composition root (composition/root.ts, for the Lambdas and
 * infra/local/runtime.ts) passes the implementations in. Only the methods the engine and nodes use are here.
 */

import type { JsonObject, JsonValue } from '../shared/json.js';
import type {
  AccountStatus,
  AttemptState,
  ConsentedMapping,
  FinishedClaim,
  IpaSession,
  IpaSessionResult,
  IpaSessionStatus,
  IproovClaim,
  KbaAnswer,
  Lease,
  Reservation,
  Session,
  TermsAcceptance,
  ThrottleKey,
  ThrottlePolicy,
  Transaction,
  User,
  UserProfile,
} from './data.js';

/** Journeys in progress, between two HTTP steps (writes conditional on the transaction's version). */
export interface TransactionStore {
  get(id: string): Promise<Transaction | undefined>;
  /** Takes the step for processing as a lease; a lost race fails with ConcurrentUpdateError. */
  claim(tx: Transaction, lease: Lease): Promise<Transaction>;
  /**
   * Writes the transaction: new, or over exactly `expectedVersion`. `events` is never lowered: a signal that
   * arrived since `tx` was read is kept (the stored count is written back).
   */
  put(tx: Transaction, expectedVersion?: number): Promise<void>;
  /**
   * Counts an external event for the transaction (after the event itself was recorded where its node reads
   * it), so that the next poll of a waiting step runs the journey. An unknown transaction is ignored.
   */
  signal(id: string): Promise<void>;
}

/** Sessions a successful journey issues; only the token's hash is stored. */
export interface SessionStore {
  create(input: Omit<Session, 'id' | 'createdAt' | 'expiresAt'>, ttlSeconds: number): Promise<string>;
}

export interface UserStore {
  create(realm: string, profile: UserProfile, passwordHash: string | undefined): Promise<User>;
  get(id: string): Promise<User | undefined>;
  findByUserName(realm: string, userName: string): Promise<User | undefined>;
  /** The user of `realm` holding this mail address; the same store work whether or not one does. */
  findByMail(realm: string, mail: string): Promise<User | undefined>;
  isTaken(realm: string, attribute: 'userName' | 'mail', value: string): Promise<boolean>;
  incrementLoginCount(id: string): Promise<void>;
  setAccountStatus(id: string, status: AccountStatus): Promise<void>;
  recordIdentityVerification(
    id: string,
    verification: NonNullable<User['identityVerification']>,
  ): Promise<void>;
  /**
   * Records the face bound to the user's verified identity; false (nothing written) when the user has no
   * identity verification to bind it to.
   */
  recordFaceBinding(id: string, faceBinding: { provider: string; verifiedAt: string }): Promise<boolean>;
  /**
   * Compare-and-set of the password hash. `endSessions`: a password change, which ends every session created
   * before it (ADR 21); without it, a rehash of the same password (sessions stay).
   */
  updatePasswordHash(
    id: string,
    newHash: string,
    expectedOldHash: string,
    options?: { endSessions?: boolean },
  ): Promise<boolean>;
  /**
   * Changes profile attributes (Patch Object): top-level attributes set or removed, and optionally the password
   * hash. Unique and bookkeeping fields (userName, mail, id, counters, dates) are refused. False when the user is
   * gone.
   */
  patch(id: string, patch: ProfilePatch): Promise<boolean>;
  /** Records the terms version the user accepted (replaces an earlier acceptance). */
  acceptTerms(id: string, accepted: TermsAcceptance): Promise<void>;
  /** Replaces the mappings the user consented to (an empty list withdraws every consent). */
  setConsentedMappings(id: string, mappings: readonly ConsentedMapping[]): Promise<void>;
  /** Replaces the user's security questions and hashed answers (KBA Definition). */
  setKba(id: string, kbaInfo: readonly KbaAnswer[]): Promise<void>;
}

/** What Patch Object changes on a user: whole top-level attributes (nested ones merged by the caller). */
export interface ProfilePatch {
  readonly set?: Readonly<Record<string, JsonValue>>;
  readonly remove?: readonly string[];
  /** A new password: the user's sessions created before this update end (ADR 21). */
  readonly passwordHash?: string;
}

/** Failed-credential counters and account locks (ADR 10). */
export interface AttemptStore {
  reserve(key: string, counter: string, limit: number | undefined): Promise<Reservation>;
  countFailure(key: string, counter: string): Promise<number>;
  clear(key: string, counter?: string): Promise<void>;
  lock(key: string, until: number): Promise<void>;
  unlock(key: string): Promise<void>;
  get(key: string): Promise<AttemptState>;
}

/** Throttling of failed credentials and of messages (429 with Retry-After). */
export interface ThrottleStore {
  readonly policy: ThrottlePolicy;
  check(keys: readonly ThrottleKey[], options?: { nextEvent?: boolean }): Promise<void>;
  consume(keys: readonly ThrottleKey[]): Promise<void>;
  refund(key: Pick<ThrottleKey, 'id'>): Promise<void>;
  clear(key: Pick<ThrottleKey, 'id'>): Promise<void>;
}

export interface IpaSessionStore {
  create(session: IpaSession): Promise<void>;
  get(id: string): Promise<IpaSession | undefined>;
  recordNotification(
    id: string,
    notification: { status: Exclude<IpaSessionStatus, 'CREATED'>; identityId?: string; proofUrl?: string },
  ): Promise<'recorded' | 'duplicate' | 'identity-taken'>;
  recordResult(
    id: string,
    result: { result: IpaSessionResult; levelOfAssurance?: string; failure?: JsonObject; proofKey?: string },
  ): Promise<void>;
  latestForUser(userId: string): Promise<IpaSession | undefined>;
}

export interface IproovClaimStore {
  create(claim: IproovClaim): Promise<void>;
  get(id: string): Promise<IproovClaim | FinishedClaim | undefined>;
  markReported(id: string): Promise<boolean>;
  finish(id: string): Promise<void>;
}
