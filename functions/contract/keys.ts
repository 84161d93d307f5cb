import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { hashSecret, newSecret } from '../shared/secret-hash.js';
import type { FinishedClaim, IproovClaim, PendingStep, Transaction } from './data.js';
import type { Suspension } from './journey.js';

// The keys and pure helpers of the contract's records: how the engine and nodes name what they ask the ports
// for (accounts, throttles, proofs) and read the records the ports return. No store, no I/O.

/** A lock that never ends by itself (`lockDurationMinutes: 0`, AIC's persistent lockout). */
export const PERMANENT = Number.MAX_SAFE_INTEGER;

/** A key of at most 1 KiB (DynamoDB's limit for a key attribute is 2 KiB): a longer one is hashed. */
export function bounded(key: string): string {
  return Buffer.byteLength(key, 'utf8') <= 1024
    ? key
    : `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * Uniqueness and lookup keys: userName and mail compare after Unicode NFKC normalization (fullwidth and other
 * compatibility forms fold to their plain letters) and lower-casing, like AM's case-insensitive identity store,
 * so look-alike spellings of one name are one account (ADR 11). Lockout counters use the same key (accountKey).
 */
export const userNameKey = (userName: string): string =>
  bounded(userName.normalize('NFKC').toLowerCase().trim());

/**
 * The account an attempt is about: realm and username, normalized like the user store's unique key, and hashed —
 * what people type as a username (often their email address, sometimes their password) is not kept as a key.
 */
export const accountKey = (realm: string, userName: string): string =>
  `acct#${realm}#${createHash('sha256').update(userNameKey(userName)).digest('base64url')}`;

/** The failed-credential throttle of an account (`accountKey`: realm and hashed username). */
export const accountThrottleId = (account: string): string => `cred#${account}`;

/**
 * The throttling key of a client address: IPv4 as it is, IPv6 by its /64 (one subscriber's prefix: a
 * client can pick any address in it), IPv4-mapped IPv6 as the IPv4 address. Undefined for anything else.
 */
export function clientKey(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return `ip4#${mapped}`;
  if (isIPv4(address)) return `ip4#${address}`;
  if (!isIPv6(address)) return undefined;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `ip6#${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** A destination's key: hashed, so no address or phone number is stored as a key. */
export const destinationKey = (destination: string): string =>
  `dest#${createHash('sha256').update(destination.trim().toLowerCase()).digest('base64url')}`;

/** Object keys: `proofs/<userId>/<sessionId>.tar.gz`, both ids Proofline's or IDEMIA's (no PII). */
export const proofKey = (userId: string, sessionId: string): string =>
  `${userProofPrefix(userId)}${encodeURIComponent(sessionId)}.tar.gz`;

/** Where all of a user's proofs are kept (ends with `/`). */
export const userProofPrefix = (userId: string): string => `proofs/${encodeURIComponent(userId)}/`;

export const isFinished = (claim: IproovClaim | FinishedClaim): claim is FinishedClaim =>
  'finished' in claim && claim.finished;

/** Whether a processing transaction's claim has expired: its claimer is gone and the step may be taken over. */
export function leaseExpired(tx: Transaction, nowMs: number = Date.now()): boolean {
  return tx.status === 'processing' && tx.leaseExpiresAt !== undefined && tx.leaseExpiresAt < nowMs;
}

/** The transaction without its claim: what a step's conclusion writes. */
export function released(tx: Transaction): Transaction {
  const { claimedStepHash: _hash, leaseExpiresAt: _lease, claimedBy: _by, ...rest } = tx;
  return rest;
}

/**
 * The stored step of a suspension; `events` is the transaction's event count the execution started from (a
 * waiting step is idle only while no event came after it).
 */
export function pendingFrom(node: string, suspension: Suspension, events = 0): PendingStep {
  const { callbacks, header, description, stage, memo, wait, resumeLink } = suspension;
  return {
    node,
    callbacks,
    ...(header !== undefined ? { header } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(stage !== undefined ? { stage } : {}),
    ...(memo !== undefined ? { memo } : {}),
    ...(wait !== undefined ? { wait: { until: wait.until, events } } : {}),
    ...(resumeLink !== undefined ? { resumeLink } : {}),
  };
}

/**
 * A new `suspendedId` for transaction `txId` (AM's resume link, Suspension.resumeLink): `<txId>.<256 random bits>`,
 * the same shape as an authId, and the SHA-256 of its secret — the only part stored. The id goes in the link only.
 */
export function newSuspendedId(txId: string): { id: string; hash: string } {
  const secret = newSecret();
  return { id: `${txId}.${secret}`, hash: hashSecret(secret) };
}
