import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SharedState, Suspension } from '../engine/types.js';
import type { Callback } from '../shared/callbacks.js';
import type { JsonObject } from '../shared/json.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';
import { ConcurrentUpdateError } from './errors.js';

/**
 * `succeeded`: an external event (webhook) finished the journey; the client collects its session with the authId
 * of the step it was waiting at.
 */
export type TransactionStatus = 'waiting' | 'processing' | 'succeeded' | 'complete' | 'failed';

/** The step a transaction waits at: what the client was sent, to check what it sends back. */
export interface PendingStep {
  node: string;
  callbacks: Callback[];
  header?: string;
  description?: string;
  stage?: string;
  memo?: JsonObject;
}

/** A journey in progress: all its state between two HTTP steps. */
export interface Transaction {
  id: string;
  journey: string;
  realm: string;
  /** Incremented by every write; writes are conditional on it. */
  version: number;
  status: TransactionStatus;
  /** SHA-256 of the current step's authId secret; absent while a step is processed or once ended. */
  stepHash?: string;
  /**
   * When an external event advanced the transaction: the hash of the step the client still holds, so its next
   * poll is answered with the current step (or the result) instead of 401.
   */
  previousStepHash?: string;
  pending?: PendingStep;
  state: SharedState;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
}

export class TransactionRepository {
  constructor(private readonly store: Store) {}

  private get table(): string {
    return this.store.tables.Transactions;
  }

  /** The transaction, or undefined when unknown or past its expiry (TTL deletes lazily). */
  async get(id: string): Promise<Transaction | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    const tx = Item as Transaction | undefined;
    return tx && tx.expiresAt > nowSeconds() ? tx : undefined;
  }

  /**
   * Takes the waiting step for processing: version N → N+1 and the step secret removed, only if the
   * transaction is still at version N with that secret. Exactly one of two concurrent submits wins.
   */
  async claim(tx: Transaction): Promise<Transaction> {
    const now = new Date().toISOString();
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: tx.id },
          UpdateExpression: 'SET #version = :next, #status = :processing, updatedAt = :now REMOVE stepHash',
          ConditionExpression: '#version = :version AND stepHash = :hash AND #status = :waiting',
          ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': tx.version + 1,
            ':version': tx.version,
            ':hash': tx.stepHash,
            ':processing': 'processing',
            ':waiting': 'waiting',
            ':now': now,
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConcurrentUpdateError(`Transaction ${tx.id} was changed by another request`, {
          cause: error,
        });
      }
      throw error;
    }
    const { stepHash: _consumed, ...rest } = tx;
    return { ...rest, version: tx.version + 1, status: 'processing', updatedAt: now };
  }

  /** Writes the transaction: new (`expectedVersion` undefined) or over exactly `expectedVersion`. */
  async put(tx: Transaction, expectedVersion?: number): Promise<void> {
    try {
      await this.store.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: tx,
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(id)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConcurrentUpdateError(`Transaction ${tx.id} was changed by another request`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

export function pendingFrom(node: string, suspension: Suspension): PendingStep {
  const { callbacks, header, description, stage, memo } = suspension;
  return {
    node,
    callbacks,
    ...(header !== undefined ? { header } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(stage !== undefined ? { stage } : {}),
    ...(memo !== undefined ? { memo } : {}),
  };
}
