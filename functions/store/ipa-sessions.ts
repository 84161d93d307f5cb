import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
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

/** The item binding a GIPS identity to the one IPA session that produced it. */
const identityClaimId = (identityId: string): string => `identity#${identityId}`;
/** IPA session records are kept 90 days (ADR 6); so are identity claims. */
const IDENTITY_CLAIM_SECONDS = 90 * 24 * 3600;

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
   * Records an end-of-process notification once: only a session still CREATED changes (`duplicate` otherwise:
   * IPA retries, network duplicates — nothing changes). The identity it names is claimed for this session in
   * the same transaction (`identity#<identityId>` → sessionId): an identity can serve one IPA session only, so
   * a notification naming another session's identity is refused (`identity-taken`) and changes nothing.
   */
  async recordNotification(
    id: string,
    notification: { status: Exclude<IpaSessionStatus, 'CREATED'>; identityId?: string; proofUrl?: string },
  ): Promise<'recorded' | 'duplicate' | 'identity-taken'> {
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
    const update = {
      TableName: this.table,
      Key: { id },
      UpdateExpression: `SET ${set} ADD notifications :one`,
      ConditionExpression: 'attribute_exists(id) AND #status = :created',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    };
    if (!notification.identityId) {
      try {
        await this.store.doc.send(new UpdateCommand(update));
        return 'recorded';
      } catch (error) {
        if (isConditionalCheckFailed(error)) return 'duplicate';
        throw error;
      }
    }
    try {
      await this.store.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: update },
            {
              Put: {
                TableName: this.table,
                Item: {
                  id: identityClaimId(notification.identityId),
                  sessionId: id,
                  // Kept as long as IPA session records are.
                  expiresAt: nowSeconds() + IDENTITY_CLAIM_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(id) OR sessionId = :session',
                ExpressionAttributeValues: { ':session': id },
              },
            },
          ],
        }),
      );
      return 'recorded';
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
      const reasons = (error as Error & { CancellationReasons?: Array<{ Code?: string }> })
        .CancellationReasons;
      // Not CREATED any more: a duplicate, whatever it names.
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed') return 'identity-taken';
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
