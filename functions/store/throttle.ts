import { BatchGetCommand, DeleteCommand, UpdateCommand } from '../aws/dynamodb.js';
import type { ThrottleKey, ThrottleLimit, ThrottlePolicy } from '../contract/data.js';
import type { ThrottleStore } from '../contract/ports.js';
import { intEnv } from '../shared/env.js';
import { ConfigurationError } from '../shared/errors.js';
import { ThrottledError } from '../shared/throttled.js';
import { isConditionalCheckFailed, nowSeconds, type Store } from './dynamo.js';

export type { ThrottleKey, ThrottleLimit, ThrottlePolicy };

const limitFromEnv = (prefix: string, defaults: ThrottleLimit, env: NodeJS.ProcessEnv): ThrottleLimit => {
  const limit = {
    max: intEnv(`${prefix}_MAX`, defaults.max, env),
    windowSeconds: intEnv(`${prefix}_WINDOW_SECONDS`, defaults.windowSeconds, env),
    baseDelaySeconds: intEnv(`${prefix}_DELAY_SECONDS`, defaults.baseDelaySeconds, env),
    maxDelaySeconds: intEnv(`${prefix}_MAX_DELAY_SECONDS`, defaults.maxDelaySeconds, env),
  };
  if (limit.max < 1 || limit.windowSeconds < 1 || limit.baseDelaySeconds < 1)
    throw new ConfigurationError(`${prefix}_MAX, _WINDOW_SECONDS and _DELAY_SECONDS must be at least 1`);
  if (limit.maxDelaySeconds < limit.baseDelaySeconds)
    throw new ConfigurationError(`${prefix}_MAX_DELAY_SECONDS must be at least ${prefix}_DELAY_SECONDS`);
  return limit;
};

/** The limits, from `THROTTLE_*` settings (README, "Throttling"). */
export function throttlePolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ThrottlePolicy {
  return {
    credentialsPerAccount: limitFromEnv(
      'THROTTLE_LOGIN_ACCOUNT',
      { max: 10, windowSeconds: 900, baseDelaySeconds: 30, maxDelaySeconds: 900 },
      env,
    ),
    credentialsPerClient: limitFromEnv(
      'THROTTLE_LOGIN_CLIENT',
      { max: 100, windowSeconds: 900, baseDelaySeconds: 30, maxDelaySeconds: 900 },
      env,
    ),
    messagesPerDestination: limitFromEnv(
      'THROTTLE_MESSAGE_DESTINATION',
      { max: 5, windowSeconds: 3600, baseDelaySeconds: 60, maxDelaySeconds: 3600 },
      env,
    ),
    messagesPerClient: limitFromEnv(
      'THROTTLE_MESSAGE_CLIENT',
      { max: 20, windowSeconds: 3600, baseDelaySeconds: 60, maxDelaySeconds: 3600 },
      env,
    ),
  };
}

export { accountThrottleId, clientKey, destinationKey } from '../contract/keys.js';

/**
 * Throttle counters (fixed windows with a growing block), kept in the Attempts table with TTL so they hold
 * across Lambda instances. Every call costs the same for any key, known account or not.
 */
export class ThrottleRepository implements ThrottleStore {
  constructor(
    private readonly store: Store,
    readonly policy: ThrottlePolicy,
  ) {}

  private get table(): string {
    return this.store.tables.Attempts;
  }

  /**
   * Throws ThrottledError (with the longest wait) when any of the keys is blocked now — or, with `nextEvent`,
   * when one more event would go past a key's limit (to refuse before doing what the event costs). One read.
   */
  async check(keys: readonly ThrottleKey[], options: { nextEvent?: boolean } = {}): Promise<void> {
    if (keys.length === 0) return;
    let pending: Array<Record<string, unknown>> = [...new Set(keys.map((k) => `thr#${k.id}`))].map((id) => ({
      id,
    }));
    const items: Array<Record<string, unknown>> = [];
    // DynamoDB may leave keys unprocessed (a hot item under a flood): read them again, and refuse the request
    // rather than let it through unchecked.
    for (let round = 0; pending.length > 0; round++) {
      if (round === 3) throw new ThrottledError(1);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
      const result = await this.store.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: 'id, blockedUntilMs, expiresAt, events',
            },
          },
        }),
      );
      items.push(...(result.Responses?.[this.table] ?? []));
      pending = (result.UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
    }
    const nowMs = Date.now();
    let waitMs = 0;
    for (const item of items) {
      const live = typeof item.expiresAt !== 'number' || item.expiresAt * 1000 > nowMs;
      if (!live) continue;
      if (typeof item.blockedUntilMs === 'number' && item.blockedUntilMs > nowMs)
        waitMs = Math.max(waitMs, item.blockedUntilMs - nowMs);
      const limit = keys.find((k) => `thr#${k.id}` === item.id)?.limit;
      if (options.nextEvent && limit && typeof item.events === 'number' && item.events >= limit.max)
        waitMs = Math.max(waitMs, delay(limit, item.events + 1) * 1000);
    }
    if (waitMs > 0) throw new ThrottledError(Math.ceil(waitMs / 1000));
  }

  /**
   * Counts an event for each key (a failed credential, a message sent); a key past its limit is blocked for
   * a delay that doubles with each further event in the window. One write per key, two past the limit.
   */
  async record(keys: readonly ThrottleKey[]): Promise<void> {
    await Promise.all(keys.map((key) => this.recordOne(key)));
  }

  /**
   * Counts an event about to happen (a message to send, a credential to evaluate) *before* it happens, refusing
   * it (ThrottledError) when a key is blocked or this event goes past its limit. The count is one atomic ADD per
   * key, so however many arrive in parallel, at most `max` per window get through.
   */
  async consume(keys: readonly ThrottleKey[]): Promise<void> {
    await this.check(keys);
    const counts = await Promise.all(keys.map((key) => this.recordOne(key)));
    const refused = counts.reduce((wait, count, i) => {
      const limit = (keys[i] as ThrottleKey).limit;
      return count > limit.max ? Math.max(wait, delay(limit, count)) : wait;
    }, 0);
    if (refused > 0) throw new ThrottledError(refused);
  }

  /**
   * Gives back an event counted by `consume` that turned out not to be one (a credential that was right): the
   * client's failed-credential count counts failures only.
   */
  async refund(key: Pick<ThrottleKey, 'id'>): Promise<void> {
    try {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: `thr#${key.id}` },
          UpdateExpression: 'ADD events :minus',
          ConditionExpression: 'events > :zero',
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** A success forgets the key's count (a correct password clears its account's); erasure forgets it too. */
  async clear(key: Pick<ThrottleKey, 'id'>): Promise<void> {
    await this.store.doc.send(new DeleteCommand({ TableName: this.table, Key: { id: `thr#${key.id}` } }));
  }

  private async recordOne(key: ThrottleKey): Promise<number> {
    const id = `thr#${key.id}`;
    let count = 0;
    for (let attempt = 0; count === 0; attempt++) {
      const now = nowSeconds();
      try {
        const { Attributes } = await this.store.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { id },
            UpdateExpression: 'ADD events :one SET expiresAt = if_not_exists(expiresAt, :expires)',
            ConditionExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
            ExpressionAttributeValues: { ':one': 1, ':now': now, ':expires': now + key.limit.windowSeconds },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        count = Number(Attributes?.events ?? 1);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The window is over (TTL deletes lazily): a new window starts with this event — unless a parallel
        // request started it first (then this one counts in it: the loop adds to it).
        try {
          await this.store.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { id },
              UpdateExpression: 'SET events = :one, expiresAt = :expires REMOVE blockedUntilMs',
              ConditionExpression: 'expiresAt <= :now',
              ExpressionAttributeValues: {
                ':one': 1,
                ':now': now,
                ':expires': now + key.limit.windowSeconds,
              },
            }),
          );
          count = 1;
        } catch (resetError) {
          if (!isConditionalCheckFailed(resetError) || attempt > 2) throw resetError;
        }
      }
    }
    if (count > key.limit.max) {
      await this.store.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          // The block may outlast the window: the item (and its count) lives until the block ends.
          UpdateExpression: 'SET blockedUntilMs = :until, expiresAt = :keep',
          ExpressionAttributeValues: {
            ':until': Date.now() + delay(key.limit, count) * 1000,
            ':keep': nowSeconds() + Math.max(key.limit.windowSeconds, delay(key.limit, count)),
          },
        }),
      );
    }
    return count;
  }
}

const delay = (limit: ThrottleLimit, count: number): number =>
  Math.min(limit.maxDelaySeconds, limit.baseDelaySeconds * 2 ** Math.min(30, count - limit.max - 1));
