import { BatchWriteCommand, GetCommand, QueryCommand, ScanCommand } from '../aws/dynamodb.js';
import { listJourneyFiles } from '../engine/asl.js';
import { getPath } from '../nodes/attributes.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';
import { AttemptRepository, accountKey } from '../store/attempts.js';
import type { Store } from '../store/dynamo.js';
import type { ProofEraser } from '../store/proofs.js';
import { accountThrottleId, ThrottleRepository, throttlePolicyFromEnv } from '../store/throttle.js';
import { type User, UserRepository } from '../store/users.js';

/**
 * Operator actions on one account (ADR 12): lifting a lockout and erasing a user with everything tied to it. The
 * CLI (`npm run admin`) only wires these to a store; an HTTP admin API can reuse them as they are.
 */

/** The account an operator names: a realm and a username (as typed at sign-in). */
export interface AccountRef {
  realm: string;
  userName: string;
}

/** No user holds this username: nothing was changed. */
export class UserNotFoundError extends Error {
  constructor() {
    super('No user has this username');
    this.name = 'UserNotFoundError';
  }
}

export interface UnlockResult {
  /** The user's id: the only reference to the user an audit line carries. */
  userId: string;
  /** The lock that was lifted (epoch seconds, or the `PERMANENT` marker), if there was one. */
  wasLocked: boolean;
  /** Whether the account status was inactive and is now active. */
  reactivated: boolean;
}

/**
 * Lifts the account's lock and forgets its failure counters (AM's UNLOCK), and makes an inactive account active
 * again. A username no user holds is refused (UserNotFoundError) and nothing is changed, although the lockout
 * counts unknown names too: an operator unlocks accounts, not names.
 */
export async function unlockAccount(store: Store, account: AccountRef): Promise<UnlockResult> {
  const users = new UserRepository(store);
  const attempts = new AttemptRepository(store);
  const user = await users.findByUserName(account.realm, account.userName);
  if (!user) throw new UserNotFoundError();
  const key = accountKey(account.realm, account.userName);
  const wasLocked = (await attempts.get(key)).lockedUntil !== undefined;
  await attempts.unlock(key);
  const reactivated = user.accountStatus === 'inactive';
  if (reactivated) await users.setAccountStatus(user.id, 'active');
  return { userId: user.id, wasLocked, reactivated };
}

/** Deletes a user's enrolment at iProov (404 counts as done): `IproovClient` fits. */
export interface IproovUserDeleter {
  deleteUser(iproovUserId: string): Promise<void>;
}

export interface ErasureServices {
  store: Store;
  /** Where proof archives are kept; without it, proofs are not erased (`counts.proofs` stays undefined). */
  proofs?: ProofEraser;
  /** iProov user management; without it (iProov not configured), no enrolment is erased. */
  iproov?: IproovUserDeleter;
  /**
   * The profile attributes that name a user at iProov (the `userIdAttribute` of the journeys' iProov nodes in
   * profile mode); default: read from `statemachines/*.asl.json`.
   */
  iproovUserIdAttributes?: readonly string[];
}

/** What an erasure deleted, item by item (undefined: that part was not configured, so not attempted). */
export interface ErasureCounts {
  sessions: number;
  transactions: number;
  iproovClaims: number;
  /** iProov user ids whose enrolment was deleted (a user iProov does not know counts as deleted). */
  iproovEnrolments?: number;
  proofs?: number;
  ipaSessions: number;
  attempts: number;
  /** The user item and its uniqueness guards. */
  userItems: number;
}

export interface ErasureResult {
  userId: string;
  counts: ErasureCounts;
}

/**
 * Erases a user and everything tied to it. The user item is the anchor: it is found by username, and it and its
 * uniqueness guards go last, in one transaction, so an interrupted erasure is finished by running it again (every
 * step deletes what is still there and counts only that). The order:
 *
 * 1. the account is made inactive: no new sign-in or journey can create more data meanwhile;
 * 2. transactions whose state names the user (in-flight journeys end: their next step is refused);
 * 3. sessions of the user (signed out everywhere);
 * 4. iProov claims waiting for the user, and the user's enrolment at iProov;
 * 5. proof archives (those recorded on the user's IPA sessions, then anything else under the user's prefix);
 * 6. IPA sessions (GSI byUser);
 * 7. the lockout item of (realm, username);
 * 8. the user item with its guards.
 *
 * Sessions and transactions have no index by user: they are found by a paginated Scan with a filter (an operator
 * command's cost, see ADR 12). A username no user holds is refused (UserNotFoundError) and nothing is changed.
 */
export async function eraseUser(services: ErasureServices, account: AccountRef): Promise<ErasureResult> {
  const { store } = services;
  const users = new UserRepository(store);
  const user = await users.findByUserName(account.realm, account.userName);
  if (!user) throw new UserNotFoundError();
  if (user.accountStatus !== 'inactive') await users.setAccountStatus(user.id, 'inactive');

  const transactionIds = await scanIds(store, store.tables.Transactions, {
    FilterExpression: '#state.userId = :user OR (#realm = :realm AND #state.username = :name)',
    ExpressionAttributeNames: { '#state': 'state', '#realm': 'realm' },
    ExpressionAttributeValues: { ':user': user.id, ':realm': account.realm, ':name': account.userName },
  });
  const transactions = await deleteIds(store, store.tables.Transactions, transactionIds);
  const sessions = await deleteIds(
    store,
    store.tables.Sessions,
    await scanIds(store, store.tables.Sessions, {
      FilterExpression: 'userId = :user',
      ExpressionAttributeValues: { ':user': user.id },
    }),
  );

  const iproovUserIds = iproovUserIdsOf(user, services.iproovUserIdAttributes ?? iproovUserIdAttributes());
  const iproovClaims = await deleteIds(
    store,
    store.tables.IproovClaims,
    await scanIds(store, store.tables.IproovClaims, claimFilter(iproovUserIds, transactionIds)),
  );
  let iproovEnrolments: number | undefined;
  if (services.iproov) {
    for (const id of iproovUserIds) await services.iproov.deleteUser(id);
    iproovEnrolments = iproovUserIds.length;
  }

  const ipaSessions = await queryAll(store, {
    TableName: store.tables.IpaSessions,
    IndexName: 'byUser',
    KeyConditionExpression: 'userId = :user',
    ExpressionAttributeValues: { ':user': user.id },
  });
  let proofs: number | undefined;
  if (services.proofs) {
    const recorded = ipaSessions.flatMap((s) => (typeof s.proofKey === 'string' ? [s.proofKey] : []));
    proofs = (await services.proofs.delete(recorded)) + (await services.proofs.deleteForUser(user.id));
  }
  const ipaSessionCount = await deleteIds(
    store,
    store.tables.IpaSessions,
    ipaSessions.map((s) => String(s.id)),
  );

  const attemptKey = accountKey(account.realm, account.userName);
  const attempts = new AttemptRepository(store);
  const hadAttempts = await attemptItemExists(store, attemptKey);
  if (hadAttempts) await attempts.unlock(attemptKey);
  // The account's failed-credential throttle goes too (its key is hashed, but it is the account's).
  await new ThrottleRepository(store, throttlePolicyFromEnv({})).clear({ id: accountThrottleId(attemptKey) });

  const userItems = await users.erase(user);
  return {
    userId: user.id,
    counts: {
      sessions,
      transactions,
      iproovClaims,
      ...(iproovEnrolments !== undefined ? { iproovEnrolments } : {}),
      ...(proofs !== undefined ? { proofs } : {}),
      ipaSessions: ipaSessionCount,
      attempts: hadAttempts ? 1 : 0,
      userItems,
    },
  };
}

/**
 * The profile attributes the journeys' IproovAuthenticationNode (profile mode, the default) name users by at
 * iProov: read from the journey files, default `id`.
 */
export function iproovUserIdAttributes(files = listJourneyFiles()): string[] {
  const attributes = new Set<string>();
  for (const { definition } of files) {
    visitStates(definition, (state) => {
      const payload = isJsonObject(state.Parameters) ? state.Parameters.Payload : undefined;
      const node = isJsonObject(payload) ? payload.node : undefined;
      if (!isJsonObject(node) || node.type !== 'IproovAuthenticationNode') return;
      const config = isJsonObject(node.config) ? node.config : {};
      if ((config.mode ?? 'profile') !== 'profile') return;
      attributes.add(typeof config.userIdAttribute === 'string' ? config.userIdAttribute : 'id');
    });
  }
  return [...attributes].sort();
}

/** The user's iProov user ids: each attribute's value, where the profile has one. */
export function iproovUserIdsOf(user: User, attributes: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const attribute of attributes) {
    const value = getPath(user as unknown as JsonObject, attribute);
    if (typeof value === 'string' && value !== '') ids.add(value);
  }
  return [...ids].sort();
}

/** Every state of a definition, nested ones included (Parallel branches, Map iterators). */
function visitStates(definition: JsonObject, visit: (state: JsonObject) => void): void {
  const states = isJsonObject(definition.States) ? definition.States : {};
  for (const state of Object.values(states)) {
    if (!isJsonObject(state)) continue;
    visit(state);
    for (const branch of Array.isArray(state.Branches) ? state.Branches : []) {
      if (isJsonObject(branch)) visitStates(branch, visit);
    }
    for (const nested of [state.Iterator, state.ItemProcessor]) {
      if (isJsonObject(nested)) visitStates(nested, visit);
    }
  }
}

interface Filter {
  FilterExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** Claims for one of the user's iProov ids or one of the user's transactions (IN takes at most 100 values). */
function claimFilter(iproovUserIds: readonly string[], transactionIds: readonly string[]): Filter {
  const values: Record<string, unknown> = { ':none': '#none' };
  const terms = ['iproovUserId = :none'];
  iproovUserIds.forEach((id, i) => {
    values[`:i${i}`] = id;
    terms.push(`iproovUserId = :i${i}`);
  });
  for (let start = 0; start < transactionIds.length; start += 90) {
    const chunk = transactionIds.slice(start, start + 90);
    const names = chunk.map((id, i) => {
      values[`:t${start + i}`] = id;
      return `:t${start + i}`;
    });
    terms.push(`txId IN (${names.join(', ')})`);
  }
  return { FilterExpression: terms.join(' OR '), ExpressionAttributeValues: values };
}

/** The ids of a table's items that match the filter: a paginated, strongly consistent Scan. */
async function scanIds(store: Store, table: string, filter: Filter): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new ScanCommand({
        TableName: table,
        ...filter,
        ProjectionExpression: '#id',
        ExpressionAttributeNames: { ...filter.ExpressionAttributeNames, '#id': 'id' },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) if (typeof item.id === 'string') ids.push(item.id);
    start = page.LastEvaluatedKey;
  } while (start);
  return ids;
}

async function queryAll(
  store: Store,
  query: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new QueryCommand({ ...query, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Deletes items by id, 25 per batch, retrying what DynamoDB leaves unprocessed; returns how many. */
async function deleteIds(store: Store, table: string, ids: readonly string[]): Promise<number> {
  for (let i = 0; i < ids.length; i += 25) {
    let requests = ids.slice(i, i + 25).map((id) => ({ DeleteRequest: { Key: { id } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 10) throw new Error(`DynamoDB kept throttling the deletes from ${table}`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      const { UnprocessedItems } = await store.doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  return ids.length;
}

async function attemptItemExists(store: Store, key: string): Promise<boolean> {
  const { Item } = await store.doc.send(
    new GetCommand({ TableName: store.tables.Attempts, Key: { id: key }, ConsistentRead: true }),
  );
  return Item !== undefined;
}
