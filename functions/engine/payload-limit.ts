/**
 * Step Functions' payload quota: an execution's input, each state's input and output, and the execution's output
 * are at most 256 KiB (UTF-8 JSON). On AWS a larger one fails the execution with `States.DataLimitExceeded`,
 * which no `Catch` can route; the embedded engine enforces the same limit, so a journey that would fail on AWS
 * fails here too.
 */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** The error name Step Functions gives an execution whose data outgrew the quota. */
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';

/** The size of a payload as Step Functions counts it: its JSON text in UTF-8. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** A payload over the quota (the error's name is Step Functions' `States.DataLimitExceeded`). */
export class DataLimitExceededError extends Error {
  readonly bytes: number;
  constructor(what: string, bytes: number) {
    super(
      `${what} is ${bytes} bytes, over Step Functions' ${PAYLOAD_LIMIT_BYTES}-byte payload quota: keep big data (photos, documents, images) out of the journey's context and shared state`,
    );
    this.name = DATA_LIMIT_EXCEEDED;
    this.bytes = bytes;
  }
}

/** Throws DataLimitExceededError when `value` is over the quota. */
export function checkPayload(what: string, value: unknown): void {
  const bytes = payloadBytes(value);
  if (bytes > PAYLOAD_LIMIT_BYTES) throw new DataLimitExceededError(what, bytes);
}
