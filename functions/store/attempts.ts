import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '../aws/dynamodb.js';
import type { AttemptState, Reservation } from '../contract/data.js';
import type { AttemptStore } from '../contract/ports.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

export type { AttemptState, Reservation };

import { PERMANENT } from '../contract/keys.js';

export { accountKey, PERMANENT } from '../contract/keys.js';

/**
 * How long failure counters are kept after the last counted attempt when no lock is set: as long as the shipped
 * lock lasts, so the rate of guesses is the same with or without locks, and a counter left at its limit by a
 * step that crashed before its Account Lockout ran frees the account after this, not after a day.
 */
const FAILURE_MEMORY_SECONDS = 15 * 60;

/** Counter attributes are top level (`c_<node id>`) so that `ADD` works on an item that does not exist yet. */
const COUNTER = /^[A-Za-z0-9_-]{1,64}$/;
const counterAttribute = (counter: string): string => {
  if (!COUNTER.test(counter)) throw new Error(`Invalid attempt counter name "${counter}"`);
  return `c_${counter}`;
};

/**
 * Failed-credential counters and account locks, keyed by account (realm + username) and kept apart from the
 * user item: every name is counted and locked the same way whether or not a user holds it, so neither the
 * lockout nor the work done tells who has an account. Reservations make the limit hold under concurrency: an
 * attempt is counted *before* the credential is evaluated, and only while the count is below the limit.
 */
export class AttemptRepository implements AttemptStore {
  constructor(private readonly store: Store) {}

  private get table(): string {
    return this.store.tables.Attempts;
  }

  /**
   * Counts one attempt on `counter` before it is evaluated, if the account is not locked and fewer than `limit`
   * attempts are counted (a success releases them, see `clear`). Without `limit`, only the lock is checked (one
   * read) and nothing is counted. One conditional write, so parallel attempts can never exceed the limit.
   */
  async reserve(key: string, counter: string, limit: number | undefined): Promise<Reservation> {
    const attribute = counterAttribute(counter);
    if (limit === undefined) {
      const { lockedUntil } = await this.get(key);
      return lockedUntil === undefined ? { reserved: true, count: 0 } : { reserved: false, locked: true };
    }
    const updated = await this.updateLive(key, (now) => ({
      UpdateExpression: 'ADD #c :one SET expiresAt = :expires',
      ConditionExpression:
        '(attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND (attribute_not_exists(#c) OR #c < :limit)',
      ExpressionAttributeNames: { '#c': attribute },
      ExpressionAttributeValues: {
        ':now': now,
        ':one': 1,
        ':limit': limit,
        ':expires': now + FAILURE_MEMORY_SECONDS,
      },
    }));
    if (updated.ok) return { reserved: true, count: Number(updated.item[attribute] ?? 0) };
    const lockedUntil = updated.refused?.lockedUntil?.N;
    return { reserved: false, locked: lockedUntil !== undefined && Number(lockedUntil) > nowSeconds() };
  }

  /** Adds one failure to `counter` (no limit: the caller decides what the count means) and returns the count. */
  async countFailure(key: string, counter: string): Promise<number> {
    const attribute = counterAttribute(counter);
    const updated = await this.updateLive(key, (now) => ({
      UpdateExpression: 'ADD #c :one SET expiresAt = :expires',
      ExpressionAttributeNames: { '#c': attribute },
      ExpressionAttributeValues: { ':one': 1, ':expires': now + FAILURE_MEMORY_SECONDS },
    }));
    return Number((updated.ok ? updated.item[attribute] : undefined) ?? 1);
  }

  /**
   * An update of an item that DynamoDB has not yet removed although it expired (TTL deletes lazily, and not
   * at all locally) applies to a fresh item instead: the expired one is deleted if unchanged, then the update
   * runs again. Returns the new item, or the item that failed the update's own condition (in DynamoDB's wire
   * shape, `{N: "…"}`: the document client does not convert it).
   */
  private async updateLive(
    key: string,
    build: (now: number) => {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<
    | { ok: true; item: Record<string, unknown> }
    | { ok: false; refused?: Record<string, { N?: string } | undefined> }
  > {
    for (let attempt = 0; ; attempt++) {
      const now = nowSeconds();
      const params = build(now);
      try {
        const { Attributes } = await this.store.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { id: key },
            ...params,
            ConditionExpression: `(attribute_not_exists(expiresAt) OR expiresAt > :now)${
              params.ConditionExpression ? ` AND ${params.ConditionExpression}` : ''
            }`,
            ExpressionAttributeValues: { ...params.ExpressionAttributeValues, ':now': now },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { ok: true, item: Attributes ?? {} };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        const old = (error as { Item?: Record<string, { N?: string } | undefined> }).Item;
        const expiredAt = old?.expiresAt?.N === undefined ? undefined : Number(old.expiresAt.N);
        if (attempt > 0 || expiredAt === undefined || expiredAt > now)
          return { ok: false, ...(old ? { refused: old } : {}) };
        try {
          await this.store.doc.send(
            new DeleteCommand({
              TableName: this.table,
              Key: { id: key },
              ConditionExpression: 'expiresAt = :expired',
              ExpressionAttributeValues: { ':expired': expiredAt },
            }),
          );
        } catch (deleteError) {
          if (!isConditionalCheckFailed(deleteError)) throw deleteError;
        }
      }
    }
  }

  /**
   * A success: forgets the failures counted on `counter` (every counter of the account when none is named),
   * unless the account is locked (a lock set meanwhile by a parallel journey stands). A password's success
   * leaves the face counter alone, and the other way round: each factor's count starts again on its own success.
   */
  async clear(key: string, counter?: string): Promise<void> {
    const notLocked = {
      ConditionExpression: 'attribute_not_exists(lockedUntil) OR lockedUntil <= :now',
      ExpressionAttributeValues: { ':now': nowSeconds() },
    };
    try {
      await this.store.doc.send(
        counter === undefined
          ? new DeleteCommand({ TableName: this.table, Key: { id: key }, ...notLocked })
          : new UpdateCommand({
              TableName: this.table,
              Key: { id: key },
              UpdateExpression: 'REMOVE #c',
              ExpressionAttributeNames: { '#c': counterAttribute(counter) },
              ...notLocked,
              // No item, nothing to forget (and no empty item left behind).
              ConditionExpression: `attribute_exists(id) AND (${notLocked.ConditionExpression})`,
            }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Locks the account until `until` (epoch seconds, or `PERMANENT`). The counters are reset with it, so once
   * the lock ends the count starts afresh.
   */
  async lock(key: string, until: number): Promise<void> {
    await this.store.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          id: key,
          lockedUntil: until,
          lockedAt: nowSeconds(),
          ...(until === PERMANENT ? {} : { expiresAt: until + FAILURE_MEMORY_SECONDS }),
        },
      }),
    );
  }

  /** Lifts a lock and forgets the counters (AM's UNLOCK, the operator's `unlock`). */
  async unlock(key: string): Promise<void> {
    await this.store.doc.send(new DeleteCommand({ TableName: this.table, Key: { id: key } }));
  }

  /** The account's counters and lock, for operators and tests. */
  async get(key: string): Promise<AttemptState> {
    const { Item } = await this.store.doc.send(
      new GetCommand({ TableName: this.table, Key: { id: key }, ConsistentRead: true }),
    );
    const counts: Record<string, number> = {};
    let lockedUntil: number | undefined;
    const now = nowSeconds();
    const live = Item && (typeof Item.expiresAt !== 'number' || Item.expiresAt > now);
    for (const [name, value] of Object.entries(live ? Item : {})) {
      if (name.startsWith('c_') && typeof value === 'number') counts[name.slice(2)] = value;
      if (name === 'lockedUntil' && typeof value === 'number') lockedUntil = value;
    }
    return { counts, ...(lockedUntil !== undefined && lockedUntil > now ? { lockedUntil } : {}) };
  }
}
