/** What time it is, for the engine, the nodes and the stores: the one seam a test or a runtime can replace. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

/** The machine's clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** Whole seconds since the epoch (DynamoDB TTL and the records' timestamps). */
export function nowSeconds(clock: Clock = systemClock): number {
  return Math.floor(clock.nowMs() / 1000);
}
