import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '../aws/dynamodb.js';
import type { Session } from '../contract/data.js';
import type { SessionStore } from '../contract/ports.js';
import { nowSeconds, type Store } from './dynamo.js';

export type { Session };

const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export class SessionRepository implements SessionStore {
  constructor(private readonly store: Store) {}

  /** Issues a session and returns its token; only the token's hash is stored. */
  async create(input: Omit<Session, 'id' | 'createdAt' | 'expiresAt'>, ttlSeconds: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const session: Session = {
      ...input,
      id: hashToken(token),
      createdAt: new Date().toISOString(),
      expiresAt: nowSeconds() + ttlSeconds,
    };
    await this.store.doc.send(
      new PutCommand({
        TableName: this.store.tables.Sessions,
        Item: session,
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
    return token;
  }

  /**
   * The live session for a token, or undefined: unknown, malformed, expired (TTL deletes lazily), or created
   * before the user's last password change (then deleted here, unless `readOnly`: the hosted pages only read).
   */
  async find(token: string, options: { readOnly?: boolean } = {}): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{20,200}$/.test(token)) return undefined;
    return this.findById(hashToken(token), options);
  }

  /** The live session with this id (the token's hash), as `find` decides it. */
  async findById(id: string, options: { readOnly?: boolean } = {}): Promise<Session | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.store.tables.Sessions, Key: { id }, ConsistentRead: true }),
    );
    const session = Item as Session | undefined;
    if (!session || session.expiresAt <= nowSeconds()) return undefined;
    if (await this.endedByPasswordChange(session)) {
      if (options.readOnly) return undefined;
      await this.store.doc.send(
        new DeleteCommand({ TableName: this.store.tables.Sessions, Key: { id: session.id } }),
      );
      return undefined;
    }
    return session;
  }

  /**
   * True when the user changed the password after this session was created (ADR 21): the user item's
   * `sessionsValidAfter`, written with the new password hash, is one consistent read of one attribute. A user
   * without it (or gone: erasure deletes the sessions itself, ADR 12) leaves the session as it is.
   */
  private async endedByPasswordChange(session: Session): Promise<boolean> {
    const { Item } = await this.store.doc.send(
      new GetCommand({
        TableName: this.store.tables.Users,
        Key: { id: session.userId },
        ProjectionExpression: '#v',
        ExpressionAttributeNames: { '#v': 'sessionsValidAfter' },
        ConsistentRead: true,
      }),
    );
    const validAfter = Item?.sessionsValidAfter;
    return typeof validAfter === 'number' && Date.parse(session.createdAt) < validAfter;
  }

  /** Ends a session; true when there was a live one. */
  async delete(token: string): Promise<boolean> {
    const session = await this.find(token);
    if (!session) return false;
    await this.store.doc.send(
      new DeleteCommand({ TableName: this.store.tables.Sessions, Key: { id: session.id } }),
    );
    return true;
  }

  /** Ends the session with this id (the token's hash), if there is one. */
  async deleteById(id: string): Promise<void> {
    await this.store.doc.send(new DeleteCommand({ TableName: this.store.tables.Sessions, Key: { id } }));
  }
}
