import { AsyncLocalStorage } from 'node:async_hooks';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '../aws/dynamodb.js';
import { nowSeconds, type Store } from '../store/dynamo.js';

/** The oidc-provider models whose instances belong to a grant (revoked together: `revokeByGrantId`). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * The sign-in session (AM's, `iPlanetDirectoryPro`) a request runs under: an OpenID Provider session saved while
 * it runs is linked to it (ADR 24), so that the provider's session — and every token bound to it — ends when the
 * sign-in session ends (logout, expiry, password change, erasure, lock).
 */
export const signInSession = new AsyncLocalStorage<{ sessionId: string; expiresAt: number }>();

/** Whether the sign-in session an OpenID Provider session is linked to is still live. */
export type SessionLiveness = (signInSessionId: string) => Promise<boolean>;

interface Item {
  id: string;
  payload: string;
  expiresAt?: number;
  uid?: string;
  grantId?: string;
  signInSessionId?: string;
  consumed?: number;
}

/**
 * oidc-provider's storage in DynamoDB (the `Oidc` table): one item per model instance, its payload as JSON, its
 * expiry as the TTL attribute (read as absent once past, as DynamoDB deletes lazily), sparse indexes for a
 * session's uid and a token's grant. Sessions carry the id of the sign-in session they mirror, and a session
 * looked up by uid (how oidc-provider checks the session a token is bound to) is returned only while that
 * sign-in session is live.
 */
export function dynamoAdapter(store: Store, live: SessionLiveness): new (model: string) => Adapter {
  const table = store.tables.Oidc;
  return class DynamoAdapter implements Adapter {
    constructor(private readonly model: string) {
      // Items are keyed by model name: a bundle that renamed oidc-provider's classes would mix them up.
      if (!/^[A-Z][A-Za-z]+$/.test(model)) {
        throw new Error(`oidc-provider model name "${model}" is not a class name: bundle with keepNames`);
      }
    }

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    private async item(id: string): Promise<Item | undefined> {
      const { Item } = await store.doc.send(
        new GetCommand({ TableName: table, Key: { id: this.key(id) }, ConsistentRead: true }),
      );
      const item = Item as Item | undefined;
      if (!item || (item.expiresAt !== undefined && item.expiresAt <= nowSeconds())) return undefined;
      return item;
    }

    private static payloadOf(item: Item): AdapterPayload {
      const payload = JSON.parse(item.payload) as AdapterPayload;
      return item.consumed !== undefined ? { ...payload, consumed: item.consumed } : payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const link = this.model === 'Session' ? signInSession.getStore()?.sessionId : undefined;
      const item: Item = {
        id: this.key(id),
        payload: JSON.stringify(payload),
        ...(typeof expiresIn === 'number' ? { expiresAt: nowSeconds() + expiresIn } : {}),
        ...(this.model === 'Session' && payload.uid ? { uid: payload.uid } : {}),
        ...(GRANTABLE.has(this.model) && payload.grantId ? { grantId: payload.grantId } : {}),
        ...(link ? { signInSessionId: link } : {}),
      };
      await store.doc.send(new PutCommand({ TableName: table, Item: item }));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const item = await this.item(id);
      return item ? DynamoAdapter.payloadOf(item) : undefined;
    }

    /** The session with this uid, only while the sign-in session it mirrors is live. */
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const { Items } = await store.doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'byUid',
          KeyConditionExpression: 'uid = :uid',
          ExpressionAttributeValues: { ':uid': uid },
        }),
      );
      const found = (Items ?? []) as Item[];
      const item = found.find((i) => i.id.startsWith(`${this.model}:`));
      if (!item || (item.expiresAt !== undefined && item.expiresAt <= nowSeconds())) return undefined;
      if (!item.signInSessionId || !(await live(item.signInSessionId))) return undefined;
      return DynamoAdapter.payloadOf(item);
    }

    async findByUserCode(): Promise<AdapterPayload | undefined> {
      // The device flow is not enabled: no user codes are ever stored.
      return undefined;
    }

    /**
     * Marks a code or token used — once: of two concurrent exchanges of one code, the second is refused
     * (invalid_grant), as the provider refuses a code already consumed when it reads it.
     */
    async consume(id: string): Promise<void> {
      try {
        await store.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { id: this.key(id) },
            UpdateExpression: 'SET #c = :now',
            ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(#c)',
            ExpressionAttributeNames: { '#c': 'consumed' },
            ExpressionAttributeValues: { ':now': nowSeconds() },
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') {
          throw new errors.InvalidGrant(`${this.model} already used`);
        }
        throw error;
      }
    }

    async destroy(id: string): Promise<void> {
      await store.doc.send(new DeleteCommand({ TableName: table, Key: { id: this.key(id) } }));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await store.doc.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'byGrant',
            KeyConditionExpression: 'grantId = :g',
            ExpressionAttributeValues: { ':g': grantId },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of (page.Items ?? []) as Item[]) {
          await store.doc.send(new DeleteCommand({ TableName: table, Key: { id: item.id } }));
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  };
}
