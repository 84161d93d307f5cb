import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

/**
 * An iProov claim a journey waits on: the token the client's SDK runs, whose iProov user it is for, and whether
 * a native app reported it finished (results webhook). No photo, no validate response: those live in the
 * journey's shared state until it ends. Deleted when the node returns its result.
 */
export interface IproovClaim {
  /** SHA-256 (base64url) of the per-claim key in the results-webhook URL. */
  id: string;
  txId: string;
  journey: string;
  realm: string;
  nodeId: string;
  token: string;
  type: 'enrol' | 'verify';
  /** The user id iProov knows (the profile's unique-ID attribute, or a throw-away id). */
  iproovUserId: string;
  /** A throw-away iProov user (liveness only, reference photo): deleted after the result. */
  temporary: boolean;
  /** Set by the results webhook: the scan finished on another device. */
  reportedAt?: string;
  createdAt: string;
  /** TTL (epoch seconds). */
  expiresAt: number;
}

/** What is left of a claim whose result was returned. */
export interface FinishedClaim {
  id: string;
  finished: true;
  expiresAt: number;
}

export const isFinished = (claim: IproovClaim | FinishedClaim): claim is FinishedClaim =>
  'finished' in claim && claim.finished;

export class IproovClaimRepository {
  constructor(private readonly store: Store) {}

  private get table(): string {
    return this.store.tables.IproovClaims;
  }

  async create(claim: IproovClaim): Promise<void> {
    await this.store.doc.send(
      new PutCommand({ TableName: this.table, Item: claim, ConditionExpression: 'attribute_not_exists(id)' }),
    );
  }

  async get(id: string): Promise<IproovClaim | FinishedClaim | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    const claim = Item as IproovClaim | FinishedClaim | undefined;
    return claim && claim.expiresAt > nowSeconds() ? claim : undefined;
  }

  /** Records the webhook's report once; false when it was already reported or the claim is gone. */
  async markReported(id: string): Promise<boolean> {
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET reportedAt = :now',
          ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(reportedAt)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Forgets the claim once its result is returned: only a tombstone (the key's hash) stays for a day, so a late
   * or repeated webhook is answered as a duplicate instead of an unknown claim.
   */
  async finish(id: string): Promise<void> {
    const tombstone: FinishedClaim = { id, finished: true, expiresAt: nowSeconds() + 24 * 3600 };
    await this.store.doc.send(new PutCommand({ TableName: this.table, Item: tombstone }));
  }
}
