import type { Callback, NameValue } from '../shared/callbacks.js';
import type { JsonValue } from '../shared/json.js';
import { isJsonObject } from '../shared/json.js';
import { JourneyRequestError } from './errors.js';

const MAX_VALUE_LENGTH = 8192;

function coerce(expected: JsonValue, value: unknown, where: string): JsonValue {
  if (typeof expected === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new JourneyRequestError(`${where} must be a boolean`);
  }
  if (typeof expected === 'number') {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
    throw new JourneyRequestError(`${where} must be a number`);
  }
  if (typeof value !== 'string') throw new JourneyRequestError(`${where} must be a string`);
  if (value.length > MAX_VALUE_LENGTH)
    throw new JourneyRequestError(`${where} is longer than ${MAX_VALUE_LENGTH} characters`);
  return value;
}

/**
 * Checks the callbacks a client posted back against the step it was sent: same count, order, types, `_id`s
 * and input names, values of the expected type. Returns the pending callbacks with the client's input
 * values (outputs are ours: a client cannot change them).
 */
export function matchCallbacks(pending: readonly Callback[], submitted: unknown): Callback[] {
  if (!Array.isArray(submitted)) throw new JourneyRequestError('callbacks must be an array');
  if (submitted.length !== pending.length) {
    throw new JourneyRequestError(
      `Expected ${pending.length} callbacks for this step, got ${submitted.length}`,
    );
  }
  return pending.map((expected, index) => {
    const actual: unknown = submitted[index];
    if (!isJsonObject(actual)) throw new JourneyRequestError(`Callback ${index} must be an object`);
    if (actual.type !== expected.type) {
      throw new JourneyRequestError(
        `Callback ${index} must be of type ${expected.type}, got ${String(actual.type)}`,
      );
    }
    if (actual._id !== undefined && actual._id !== expected._id) {
      throw new JourneyRequestError(
        `Callback ${index} must have _id ${expected._id}, got ${String(actual._id)}`,
      );
    }
    const inputs = actual.input ?? [];
    if (!Array.isArray(inputs)) throw new JourneyRequestError(`Callback ${index} input must be an array`);
    const byName = new Map<string, unknown>();
    for (const entry of inputs) {
      if (!isJsonObject(entry) || typeof entry.name !== 'string') {
        throw new JourneyRequestError(`Callback ${index} input entries must be {name, value} objects`);
      }
      if (!expected.input.some((i) => i.name === entry.name)) {
        throw new JourneyRequestError(
          `Callback ${index} (${expected.type}) has no input named ${entry.name}`,
        );
      }
      byName.set(entry.name, entry.value);
    }
    const input: NameValue[] = expected.input.map((i) => {
      if (!byName.has(i.name)) {
        // AM treats an absent validateOnly flag as false; every other input must be sent back.
        if (i.name.endsWith('validateOnly')) return { name: i.name, value: false };
        throw new JourneyRequestError(`Callback ${index} (${expected.type}) is missing input ${i.name}`);
      }
      return {
        name: i.name,
        value: coerce(i.value, byName.get(i.name), `Callback ${index} input ${i.name}`),
      };
    });
    return { ...expected, input };
  });
}
