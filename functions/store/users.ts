import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';
import { UniqueConstraintError } from './errors.js';

export type AccountStatus = 'active' | 'inactive';

export interface UserProfile {
  userName: string;
  mail?: string;
  givenName?: string;
  sn?: string;
  /** E.164 mobile number (SMS delivery). */
  telephoneNumber?: string;
  preferences?: { marketing?: boolean; updates?: boolean };
}

export interface User extends UserProfile {
  id: string;
  passwordHash?: string;
  accountStatus: AccountStatus;
  loginCount: number;
  createdAt: string;
  updatedAt: string;
  lastLogin?: string;
  /** Set by identity proofing (IDEMIA IPA): no document data, only the fact, its level and time. */
  identityVerification?: {
    provider: string;
    levelOfAssurance: string;
    verifiedAt: string;
    sessionId: string;
  };
}

/** Uniqueness keys: userName and mail compare case-insensitively, like AM's identity store. */
export const userNameKey = (userName: string): string => userName.trim().toLowerCase();
export const mailKey = (mail: string): string => mail.trim().toLowerCase();
/** An id no user can have (user ids are UUIDs): the stand-in read for an unknown name. */
const ABSENT_USER_ID = 'absent#user';
const guardId = (attribute: 'userName' | 'mail', key: string): string => `${attribute}#${key}`;

export class UserRepository {
  constructor(private readonly store: Store) {}

  private get table(): string {
    return this.store.tables.Users;
  }

  /**
   * Creates a user. userName and mail are claimed atomically with the user item (one transaction with a
   * guard item per unique attribute), so two concurrent registrations can never both take a name.
   */
  async create(profile: UserProfile, passwordHash: string | undefined): Promise<User> {
    const now = new Date().toISOString();
    const user: User = {
      ...profile,
      id: randomUUID(),
      ...(passwordHash ? { passwordHash } : {}),
      accountStatus: 'active',
      loginCount: 0,
      createdAt: now,
      updatedAt: now,
    };
    const guards: Array<{ attribute: 'userName' | 'mail'; key: string }> = [
      { attribute: 'userName', key: userNameKey(profile.userName) },
    ];
    if (profile.mail) guards.push({ attribute: 'mail', key: mailKey(profile.mail) });
    const item = {
      ...user,
      userNameKey: userNameKey(profile.userName),
      ...(profile.mail ? { mailKey: mailKey(profile.mail) } : {}),
    };
    try {
      await this.store.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...guards.map((g) => ({
              Put: {
                TableName: this.table,
                Item: { id: guardId(g.attribute, g.key), userId: user.id, createdAt: nowSeconds() },
                ConditionExpression: 'attribute_not_exists(id)',
              },
            })),
            {
              Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(id)' },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionCanceledException') {
        const reasons = (error as Error & { CancellationReasons?: Array<{ Code?: string }> })
          .CancellationReasons;
        const failed = reasons?.findIndex((r) => r.Code === 'ConditionalCheckFailed') ?? -1;
        const guard = guards[failed];
        if (guard) throw new UniqueConstraintError(guard.attribute, { cause: error });
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
   * Strongly consistent lookup by userName through its guard item. An unknown name costs the same two reads as
   * a known one (the second of an item that never exists), so the store's work does not tell who has an account.
   */
  async findByUserName(userName: string): Promise<User | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { id: guardId('userName', userNameKey(userName)) },
        ConsistentRead: true,
      }),
    );
    return this.get(typeof Item?.userId === 'string' ? Item.userId : ABSENT_USER_ID);
  }

  /** True when another user already holds this userName or mail (consistent read of the guard item). */
  async isTaken(attribute: 'userName' | 'mail', value: string): Promise<boolean> {
    const key = attribute === 'userName' ? userNameKey(value) : mailKey(value);
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id: guardId(attribute, key) }, ConsistentRead: true }),
    );
    return Item !== undefined;
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

  /**
   * Replaces the password hash if it is still `expectedOldHash` (the rehash after a successful sign-in); false
   * when the user is gone or the hash changed meanwhile (a concurrent password change wins).
   */
  async updatePasswordHash(id: string, newHash: string, expectedOldHash: string): Promise<boolean> {
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET passwordHash = :new, updatedAt = :now',
          ConditionExpression: 'attribute_exists(id) AND passwordHash = :old',
          ExpressionAttributeValues: {
            ':new': newHash,
            ':old': expectedOldHash,
            ':now': new Date().toISOString(),
          },
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
  async erase(user: Pick<User, 'id' | 'userName' | 'mail'>): Promise<number> {
    const guards = [guardId('userName', userNameKey(user.userName))];
    if (user.mail) guards.push(guardId('mail', mailKey(user.mail)));
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
