import { randomUUID } from 'node:crypto';
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '../aws/dynamodb.js';
import type {
  AccountStatus,
  ConsentedMapping,
  KbaAnswer,
  TermsAcceptance,
  User,
  UserProfile,
} from '../contract/data.js';
import { UniqueConstraintError } from '../contract/errors.js';
import { bounded, userNameKey } from '../contract/keys.js';
import type { ProfilePatch, UserStore } from '../contract/ports.js';
import { optionalEnv } from '../shared/env.js';
import { ConfigurationError } from '../shared/errors.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

export type { AccountStatus, User, UserProfile };
export { userNameKey };

/**
 * Uniqueness and lookup keys: userName and mail compare after Unicode NFKC normalization (fullwidth and other
 * compatibility forms fold to their plain letters) and lower-casing, like AM's case-insensitive identity store,
 * so look-alike spellings of one name are one account (ADR 11). Lockout counters use the same key (attempts.ts).
 */
export const mailKey = (mail: string): string => bounded(mail.normalize('NFKC').toLowerCase().trim());
/** The keys of guard items written before ADR 11 (lower-cased only): still how legacy users are found. */
export const legacyUserNameKey = (userName: string): string => bounded(userName.trim().toLowerCase());
export const legacyMailKey = (mail: string): string => bounded(mail.trim().toLowerCase());

/** The realm users created before realms were isolated belong to (ADR 11): `LEGACY_USERS_REALM`, default alpha. */
export function legacyUsersRealmFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const realm = optionalEnv('LEGACY_USERS_REALM', env) ?? 'alpha';
  if (!/^[A-Za-z0-9_-]+$/.test(realm))
    throw new ConfigurationError(`LEGACY_USERS_REALM must be a realm name, got "${realm}"`);
  return realm;
}

/** An id no user can have (user ids are UUIDs): the stand-in read for an unknown name. */
const ABSENT_USER_ID = 'absent#user';
type UniqueAttribute = 'userName' | 'mail';
/**
 * A guard item per realm. `@` (never in a realm name) separates it from legacy guards `userName#<key>`: with
 * `userName#<realm>#<key>`, a legacy user named `root#x` would hold realm root's guard for `x`.
 */
const guardId = (attribute: UniqueAttribute, realm: string, key: string): string =>
  `${attribute}@${realm}#${key}`;
const legacyGuardId = (attribute: UniqueAttribute, key: string): string => `${attribute}#${key}`;
const keyOf = (attribute: UniqueAttribute, value: string): string =>
  attribute === 'userName' ? userNameKey(value) : mailKey(value);
const legacyKeyOf = (attribute: UniqueAttribute, value: string): string =>
  attribute === 'userName' ? legacyUserNameKey(value) : legacyMailKey(value);
/**
 * The legacy guards a value may match: its old key, and its normalized key when that differs (a legacy
 * `alice` is then found, and protected, under `ＡＬＩＣＥ` too). Whether there are one or two depends on the
 * name only, never on whether anyone holds it.
 */
const legacyGuardIds = (attribute: UniqueAttribute, value: string): string[] => [
  ...new Set(
    [legacyKeyOf(attribute, value), keyOf(attribute, value)].map((k) => legacyGuardId(attribute, k)),
  ),
];

/** The ids of a user's guard items (the realm's, or the legacy ones for a user without realm). */
export function guardIdsOf(user: Pick<User, 'userName' | 'mail' | 'realm'>): string[] {
  const attributes: Array<[UniqueAttribute, string]> = [['userName', user.userName]];
  if (user.mail) attributes.push(['mail', user.mail]);
  return attributes.map(([attribute, value]) =>
    user.realm === undefined
      ? legacyGuardId(attribute, legacyKeyOf(attribute, value))
      : guardId(attribute, user.realm, keyOf(attribute, value)),
  );
}

/** Fields `patch` never writes: the store's keys and bookkeeping, and the unique attributes (their guards). */
const NOT_PATCHABLE: ReadonlySet<string> = new Set([
  'id',
  'realm',
  'userName',
  'mail',
  'userNameKey',
  'mailKey',
  'passwordHash',
  'accountStatus',
  'loginCount',
  'createdAt',
  'updatedAt',
  'lastLogin',
  'identityVerification',
  'sessionsValidAfter',
]);

export class UserRepository implements UserStore {
  /**
   * @param legacyRealm the realm legacy users (no `realm` on their item, guard items without realm) belong to;
   * they are found there through their legacy guard, and in no other realm.
   */
  constructor(
    private readonly store: Store,
    private readonly legacyRealm: string = legacyUsersRealmFromEnv(),
  ) {}

  private get table(): string {
    return this.store.tables.Users;
  }

  /**
   * Creates a user in `realm`. userName and mail are claimed atomically with the user item (one transaction
   * with a guard item per unique attribute), so two concurrent registrations can never both take a name. In
   * the legacy realm the legacy guards must be absent too, so no name a legacy user holds can be taken again.
   */
  async create(realm: string, profile: UserProfile, passwordHash: string | undefined): Promise<User> {
    const now = new Date().toISOString();
    const user: User = {
      ...profile,
      id: randomUUID(),
      realm,
      ...(passwordHash ? { passwordHash } : {}),
      accountStatus: 'active',
      loginCount: 0,
      createdAt: now,
      updatedAt: now,
    };
    const unique: Array<[UniqueAttribute, string]> = [['userName', profile.userName]];
    if (profile.mail) unique.push(['mail', profile.mail]);
    const legacy = realm === this.legacyRealm;
    // One entry per transaction item, in order: which attribute a cancelled condition was about.
    const checked: UniqueAttribute[] = [];
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    for (const [attribute, value] of unique) {
      checked.push(attribute);
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            id: guardId(attribute, realm, keyOf(attribute, value)),
            userId: user.id,
            createdAt: nowSeconds(),
          },
          ConditionExpression: 'attribute_not_exists(id)',
        },
      });
      if (legacy) {
        for (const id of legacyGuardIds(attribute, value)) {
          checked.push(attribute);
          items.push({
            ConditionCheck: {
              TableName: this.table,
              Key: { id },
              ConditionExpression: 'attribute_not_exists(id)',
            },
          });
        }
      }
    }
    const item = {
      ...user,
      userNameKey: userNameKey(profile.userName),
      ...(profile.mail ? { mailKey: mailKey(profile.mail) } : {}),
    };
    items.push({
      Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(id)' },
    });
    try {
      await this.store.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionCanceledException') {
        const reasons = (error as Error & { CancellationReasons?: Array<{ Code?: string }> })
          .CancellationReasons;
        const failed = reasons?.findIndex((r) => r.Code === 'ConditionalCheckFailed') ?? -1;
        const attribute = checked[failed];
        if (attribute) throw new UniqueConstraintError(attribute, { cause: error });
      }
      throw error;
    }
    return user;
  }

  async get(id: string): Promise<User | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    if (!Item || typeof Item.userName !== 'string') return undefined;
    const { userNameKey: _u, mailKey: _m, ...user } = Item;
    return user as User;
  }

  /**
   * The user id holding `value` in `realm`: the realm's guard, or — in the legacy realm only — the legacy
   * guard. Both guards are read in one consistent BatchGetItem in every realm and for every name, so the
   * store's work is the same whoever holds the name, if anyone.
   */
  private async holder(
    realm: string,
    attribute: UniqueAttribute,
    value: string,
  ): Promise<string | undefined> {
    const current = guardId(attribute, realm, keyOf(attribute, value));
    const legacy = legacyGuardIds(attribute, value);
    const found = new Map<string, unknown>();
    let request: BatchGetCommandInput['RequestItems'] = {
      [this.table]: { Keys: [current, ...legacy].map((id) => ({ id })), ConsistentRead: true },
    };
    // BatchGetItem may leave keys unprocessed under load: they are asked again, never taken as absent.
    for (let round = 0; request && Object.keys(request).length > 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** round, 1000)));
      const reply: BatchGetCommandOutput = await this.store.doc.send(
        new BatchGetCommand({ RequestItems: request }),
      );
      for (const item of reply.Responses?.[this.table] ?? []) found.set(String(item.id), item.userId);
      request = reply.UnprocessedKeys;
    }
    // The realm's own guard first; legacy guards count in the legacy realm only, their old key first.
    const candidates = [current, ...(realm === this.legacyRealm ? legacy : [])];
    const userId = candidates.map((id) => found.get(id)).find((id) => typeof id === 'string');
    return typeof userId === 'string' ? userId : undefined;
  }

  /**
   * Strongly consistent lookup by userName in `realm` through its guard items. An unknown name costs the same
   * reads as a known one (the user read is of an item that never exists), so the store's work does not tell
   * who has an account. A user of another realm is never returned.
   */
  async findByUserName(realm: string, userName: string): Promise<User | undefined> {
    const user = await this.get((await this.holder(realm, 'userName', userName)) ?? ABSENT_USER_ID);
    const userRealm = user?.realm ?? this.legacyRealm;
    return userRealm === realm ? user : undefined;
  }

  /** Like findByUserName, by mail address (its guard item): the same reads whether or not a user holds it. */
  async findByMail(realm: string, mail: string): Promise<User | undefined> {
    const user = await this.get((await this.holder(realm, 'mail', mail)) ?? ABSENT_USER_ID);
    const userRealm = user?.realm ?? this.legacyRealm;
    return userRealm === realm ? user : undefined;
  }

  /** True when another user of `realm` already holds this userName or mail (consistent read of its guards). */
  async isTaken(realm: string, attribute: UniqueAttribute, value: string): Promise<boolean> {
    return (await this.holder(realm, attribute, value)) !== undefined;
  }

  async incrementLoginCount(id: string): Promise<void> {
    await this.store.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'ADD loginCount :one SET lastLogin = :now, updatedAt = :now',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':one': 1, ':now': new Date().toISOString() },
      }),
    );
  }

  async setAccountStatus(id: string, status: AccountStatus): Promise<void> {
    await this.store.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'SET accountStatus = :s, updatedAt = :now',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':s': status, ':now': new Date().toISOString() },
      }),
    );
  }

  async recordIdentityVerification(
    id: string,
    verification: NonNullable<User['identityVerification']>,
  ): Promise<void> {
    await this.store.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'SET identityVerification = :v, updatedAt = :now',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':v': verification, ':now': new Date().toISOString() },
      }),
    );
  }

  async recordFaceBinding(
    id: string,
    faceBinding: { provider: string; verifiedAt: string },
  ): Promise<boolean> {
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET identityVerification.faceBinding = :f, updatedAt = :now',
          ConditionExpression: 'attribute_exists(id) AND attribute_exists(identityVerification)',
          ExpressionAttributeValues: { ':f': faceBinding, ':now': new Date().toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Replaces the user's security questions and hashed answers (never answers in clear: KbaAnswer holds hashes). */
  async setKba(id: string, kbaInfo: readonly KbaAnswer[]): Promise<void> {
    await this.store.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'SET kbaInfo = :k, updatedAt = :now',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':k': kbaInfo, ':now': new Date().toISOString() },
      }),
    );
  }

  /**
   * Replaces the password hash if it is still `expectedOldHash`; false when the user is gone or the hash changed
   * meanwhile (a concurrent password change wins). The rehash after a successful sign-in (the same password)
   * keeps the user's sessions; a password change (`endSessions`) ends every session created before it (ADR 21).
   */
  async updatePasswordHash(
    id: string,
    newHash: string,
    expectedOldHash: string,
    options: { endSessions?: boolean } = {},
  ): Promise<boolean> {
    const nowMs = Date.now();
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: `SET passwordHash = :new, updatedAt = :now${options.endSessions ? ', sessionsValidAfter = :ms' : ''}`,
          ConditionExpression: 'attribute_exists(id) AND passwordHash = :old',
          ExpressionAttributeValues: {
            ':new': newHash,
            ':old': expectedOldHash,
            ':now': new Date(nowMs).toISOString(),
            ...(options.endSessions ? { ':ms': nowMs } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Records the accepted terms version (`termsAccepted`, AIC's attribute), replacing an earlier one. */
  async acceptTerms(id: string, accepted: TermsAcceptance): Promise<void> {
    await this.setAttribute(id, 'termsAccepted', {
      termsVersion: accepted.termsVersion,
      acceptDate: accepted.acceptDate,
    });
  }

  /** Replaces `consentedMappings` (AIC's attribute): the full list the user consented to, possibly empty. */
  async setConsentedMappings(id: string, mappings: readonly ConsentedMapping[]): Promise<void> {
    await this.setAttribute(
      id,
      'consentedMappings',
      mappings.map((m) => ({ mapping: m.mapping, consentDate: m.consentDate })),
    );
  }

  private async setAttribute(
    id: string,
    name: 'termsAccepted' | 'consentedMappings',
    value: Record<string, string> | Array<Record<string, string>>,
  ): Promise<void> {
    await this.store.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'SET #a = :v, updatedAt = :now',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeNames: { '#a': name },
        ExpressionAttributeValues: { ':v': value, ':now': new Date().toISOString() },
      }),
    );
  }

  /**
   * Sets and removes top-level profile attributes (and the password hash) in one update, on an existing user.
   * Fields the store owns (keys, unique attributes, counters, dates) are refused: a caller bug, not a user's.
   * A new password hash ends every session created before it, in the same update (`sessionsValidAfter`, ADR 21).
   */
  async patch(id: string, patch: ProfilePatch): Promise<boolean> {
    const set = Object.entries(patch.set ?? {});
    const remove = [...(patch.remove ?? [])];
    for (const name of [...set.map(([name]) => name), ...remove]) {
      if (NOT_PATCHABLE.has(name)) throw new Error(`UserRepository.patch cannot change "${name}"`);
    }
    const names: Record<string, string> = {};
    const nowMs = Date.now();
    const values: Record<string, unknown> = { ':now': new Date(nowMs).toISOString() };
    const assignments = ['updatedAt = :now'];
    set.forEach(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      assignments.push(`#s${i} = :s${i}`);
    });
    if (patch.passwordHash !== undefined) {
      values[':hash'] = patch.passwordHash;
      values[':ms'] = nowMs;
      assignments.push('passwordHash = :hash', 'sessionsValidAfter = :ms');
    }
    remove.forEach((name, i) => {
      names[`#r${i}`] = name;
    });
    const removal = remove.length > 0 ? ` REMOVE ${remove.map((_, i) => `#r${i}`).join(', ')}` : '';
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: `SET ${assignments.join(', ')}${removal}`,
          ConditionExpression: 'attribute_exists(id)',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Erases the user item and its uniqueness guards in one transaction (operator erasure, ADR 12): either all of
   * them are gone or none, so a user is never left unfindable by name while its item remains. A guard is deleted
   * only while it still names this user. Returns how many items were deleted (0 when the user was already gone).
   */
  async erase(user: Pick<User, 'id' | 'userName' | 'mail' | 'realm'>): Promise<number> {
    const guards = guardIdsOf(user);
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id: user.id }, ConsistentRead: true }),
    );
    if (!Item) return 0;
    await this.store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          ...guards.map((id) => ({
            Delete: {
              TableName: this.table,
              Key: { id },
              ConditionExpression: 'attribute_not_exists(id) OR userId = :user',
              ExpressionAttributeValues: { ':user': user.id },
            },
          })),
          { Delete: { TableName: this.table, Key: { id: user.id } } },
        ],
      }),
    );
    return 1 + guards.length;
  }
}
