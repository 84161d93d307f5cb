import { GetCommand, PutCommand, UpdateCommand } from '../aws/dynamodb.js';
import type { FinishedClaim, IproovClaim } from '../contract/data.js';
import type { IproovClaimStore } from '../contract/ports.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

export { isFinished } from '../contract/keys.js';
export type { FinishedClaim, IproovClaim };

export class IproovClaimRepository implements IproovClaimStore {
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
