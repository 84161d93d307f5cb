import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '../aws/dynamodb.js';
import type { IpaSession, IpaSessionResult, IpaSessionStatus } from '../contract/data.js';
import type { IpaSessionStore } from '../contract/ports.js';
import type { JsonObject } from '../shared/json.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

export type { IpaSession, IpaSessionResult, IpaSessionStatus };

/** The item binding a GIPS identity to the one IPA session that produced it. */
const identityClaimId = (identityId: string): string => `identity#${identityId}`;
/** IPA session records are kept 90 days (ADR 6); so are identity claims. */
const IDENTITY_CLAIM_SECONDS = 90 * 24 * 3600;

export class IpaSessionRepository implements IpaSessionStore {
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
