import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GetCommand, PutCommand, UpdateCommand } from '../aws/dynamodb.js';
import type { Claimant, Lease, PendingStep, Transaction, TransactionStatus } from '../contract/data.js';
import { ConcurrentUpdateError } from '../contract/errors.js';
import type { TransactionStore } from '../contract/ports.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

export type { Claimant, Lease, PendingStep, Transaction, TransactionStatus };

/**
 * The stored form of a transaction: the pending step (its callbacks are most of the item: a Registration page is
 * ~5 KB of JSON) is kept deflated in `pendingZ`, a binary attribute — DynamoDB bills writes per KB of the larger of
 * the old and new item, and reads per 4 KB (issue 10 §4). The shared state stays plain: operator commands filter
 * on it (`state.userId`, ADR 12). Items written before (a plain `pending`) are read as they are.
 */
type StoredTransaction = Omit<Transaction, 'pending'> & { pending?: PendingStep; pendingZ?: Uint8Array };

function stored(tx: Transaction): StoredTransaction {
  const { pending, ...rest } = tx;
  return pending ? { ...rest, pendingZ: deflateRawSync(JSON.stringify(pending)) } : rest;
}

function loaded(item: StoredTransaction): Transaction {
  const { pendingZ, ...rest } = item;
  if (!pendingZ) return rest;
  return { ...rest, pending: JSON.parse(inflateRawSync(pendingZ).toString('utf8')) as PendingStep };
}

export class TransactionRepository implements TransactionStore {
  constructor(private readonly store: Store) {}

  private get table(): string {
    return this.store.tables.Transactions;
  }

  /** The transaction, or undefined when unknown or past its expiry (TTL deletes lazily). */
  async get(id: string): Promise<Transaction | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    const item = Item as StoredTransaction | undefined;
    return item && item.expiresAt > nowSeconds() ? loaded(item) : undefined;
  }

  /**
   * Takes the step for processing, as a lease of `lease.ms`: version N → N+1, only if the transaction is still
   * at version N and either waits with that step's secret (the secret is removed; its hash is kept as
   * `claimedStepHash`) or is processing that same step under a lease that has expired (its claimer crashed, was
   * killed or timed out: the step is taken over). Of concurrent claims, exactly one wins; the others get
   * ConcurrentUpdateError.
   */
  async claim(tx: Transaction, lease: Lease): Promise<Transaction> {
    const takeOver = tx.status === 'processing';
    const hash = takeOver ? tx.claimedStepHash : tx.stepHash;
    if (hash === undefined || (!takeOver && tx.status !== 'waiting')) {
      throw new ConcurrentUpdateError(`Transaction ${tx.id} has no step to claim`);
    }
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const leaseExpiresAt = nowMs + lease.ms;
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: tx.id },
          UpdateExpression: takeOver
            ? 'SET #version = :next, leaseExpiresAt = :lease, claimedBy = :by, updatedAt = :now'
            : 'SET #version = :next, #status = :processing, claimedStepHash = :hash, leaseExpiresAt = :lease, claimedBy = :by, updatedAt = :now REMOVE stepHash',
          ConditionExpression: takeOver
            ? '#version = :version AND #status = :processing AND claimedStepHash = :hash AND leaseExpiresAt < :nowMs'
            : '#version = :version AND #status = :waiting AND stepHash = :hash',
          ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': tx.version + 1,
            ':version': tx.version,
            ':hash': hash,
            ':processing': 'processing',
            ':lease': leaseExpiresAt,
            ':by': lease.by,
            ':now': now,
            ...(takeOver ? { ':nowMs': nowMs } : { ':waiting': 'waiting' }),
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
    return {
      ...rest,
      version: tx.version + 1,
      status: 'processing',
      claimedStepHash: hash,
      leaseExpiresAt,
      claimedBy: lease.by,
      updatedAt: now,
    };
  }

  /**
   * Writes the transaction: new (`expectedVersion` undefined) or over exactly `expectedVersion`. The event
   * count is part of the condition, so a signal that came after `tx` was read is never overwritten: the write
   * is repeated with the stored count (the pending step keeps the count its execution saw, so the next poll
   * runs the journey).
   */
  async put(tx: Transaction, expectedVersion?: number): Promise<void> {
    let item = tx;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: stored(item),
            ...(expectedVersion === undefined
              ? { ConditionExpression: 'attribute_not_exists(id)' }
              : {
                  ConditionExpression:
                    item.events === undefined
                      ? '#version = :expected AND attribute_not_exists(#events)'
                      : '#version = :expected AND #events = :events',
                  ExpressionAttributeNames: { '#version': 'version', '#events': 'events' },
                  ExpressionAttributeValues: {
                    ':expected': expectedVersion,
                    ...(item.events === undefined ? {} : { ':events': item.events }),
                  },
                }),
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        const stored = expectedVersion === undefined || attempt >= 3 ? undefined : await this.current(tx.id);
        if (stored && stored.version === expectedVersion && stored.events !== item.events) {
          const { events: _stale, ...rest } = item;
          item = stored.events === undefined ? rest : { ...rest, events: stored.events };
          continue;
        }
        throw new ConcurrentUpdateError(`Transaction ${tx.id} was changed by another request`, {
          cause: error,
        });
      }
    }
  }

  /** Counts an external event (ADD: atomic, never lost to a concurrent write — see `put`). */
  async signal(id: string): Promise<void> {
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'ADD #events :one',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeNames: { '#events': 'events' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    } catch (error) {
      // The transaction has ended and expired: nobody waits for the event.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** The stored item's version and event count (consistent read). */
  private async current(id: string): Promise<Pick<Transaction, 'version' | 'events'> | undefined> {
    const { Item } = await this.store.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { id },
        ConsistentRead: true,
        ProjectionExpression: '#version, #events',
        ExpressionAttributeNames: { '#version': 'version', '#events': 'events' },
      }),
    );
    return Item as Pick<Transaction, 'version' | 'events'> | undefined;
  }
}

export { leaseExpired, pendingFrom, released } from '../contract/keys.js';
