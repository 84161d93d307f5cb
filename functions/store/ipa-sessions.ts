import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JsonObject } from '../shared/json.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

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

export class IpaSessionRepository {
  constructor(private readonly store: Store) {}

  private get table(): string {
    return this.store.tables.IpaSessions;
  }

  async create(session: IpaSession): Promise<void> {
    await this.store.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: session,
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async get(id: string): Promise<IpaSession | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    const session = Item as IpaSession | undefined;
    return session && session.expiresAt > nowSeconds() ? session : undefined;
  }

  /**
   * Records an end-of-process notification once: only a session still CREATED changes. Returns false for a
   * duplicate (IPA retries, network duplicates), which changes nothing.
   */
  async recordNotification(
    id: string,
    notification: { status: Exclude<IpaSessionStatus, 'CREATED'>; identityId?: string; proofUrl?: string },
  ): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':created': 'CREATED',
      ':status': notification.status,
      ':now': new Date().toISOString(),
      ':one': 1,
    };
    let set = '#status = :status, notifiedAt = :now';
    if (notification.identityId) {
      set += ', identityId = :identityId';
      values[':identityId'] = notification.identityId;
    }
    if (notification.proofUrl) {
      set += ', proofUrl = :proofUrl';
      values[':proofUrl'] = notification.proofUrl;
    }
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: `SET ${set} ADD notifications :one`,
          ConditionExpression: 'attribute_exists(id) AND #status = :created',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Stores Proofline's evaluation (once). */
  async recordResult(
    id: string,
    result: { result: IpaSessionResult; levelOfAssurance?: string; failure?: JsonObject; proofKey?: string },
  ): Promise<void> {
    await this.store.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression:
          'SET #result = :result, evaluatedAt = :now, levelOfAssurance = :loa, failure = :failure, proofKey = :proofKey',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeNames: { '#result': 'result' },
        ExpressionAttributeValues: {
          ':result': result.result,
          ':now': new Date().toISOString(),
          ':loa': result.levelOfAssurance ?? null,
          ':failure': result.failure ?? null,
          ':proofKey': result.proofKey ?? null,
        },
      }),
    );
  }

  /** The user's most recent session (Completion Decision). */
  async latestForUser(userId: string): Promise<IpaSession | undefined> {
    const { Items } = await this.store.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byUser',
        KeyConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': userId },
        ScanIndexForward: false,
        Limit: 5,
      }),
    );
    return (Items as IpaSession[] | undefined)?.find((s) => s.expiresAt > nowSeconds());
  }
}
