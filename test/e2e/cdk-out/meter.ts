import { randomBytes, randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * Metering of the `cdk-out` target (test tooling, no behaviour change): what each journey step makes the stack
 * use, counted where the harness stands in for AWS — API Gateway requests, Lambda invocations and their measured
 * duration, Step Functions executions and the states they enter, DynamoDB capacity units as DynamoDB Local
 * reports them, the other services' requests, the log bytes CloudWatch Logs would ingest, the traces X-Ray would
 * be sent. A step is what the runner names with `begin()`; everything the stack does until it is idle again
 * (asynchronous invocations included) is counted in it.
 */

export interface LambdaUsage {
  invocations: number;
  /** Measured on this machine (x86, Node 22): from the event sent to the result received, init excluded. */
  durationMs: number;
  /** Lambda bills each invocation's duration rounded up to the millisecond. */
  billedDurationMs: number;
  memoryMb: number;
  /** billed duration × configured memory. */
  gbSeconds: number;
  /** Cold starts in this step and their init duration (not priced: amortized over many warm invocations). */
  coldStarts: number;
  initMs: number;
  errors: number;
}

export interface ExecutionUsage {
  executions: number;
  /** States entered (what STANDARD workflows bill as transitions; EXPRESS bills requests and duration). */
  stateTransitions: number;
  durationMs: number;
  /** EXPRESS: duration rounded up to 100 ms, memory in 64 MB increments (the minimum for small payloads). */
  gbSeconds: number;
  failed: number;
}

export interface TableUsage {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Conditional writes whose condition failed: they consume write units too (the existing item's size). */
  failedConditionalWrites: number;
}

export interface LogUsage {
  events: number;
  /** Message bytes + 26 bytes per event (how CloudWatch Logs sizes what PutLogEvents ingests). */
  bytes: number;
}

export interface Usage {
  apiRequests: number;
  lambda: Record<string, LambdaUsage>;
  stateMachines: Record<string, ExecutionUsage>;
  dynamodb: Record<string, TableUsage>;
  /** Every other AWS request the functions made, `service:Operation` → count. */
  awsRequests: Record<string, number>;
  emails: number;
  sms: number;
  s3Requests: number;
  /** KMS requests made for the caller (S3 SSE-KMS asks for a data key per PutObject without a bucket key). */
  kmsRequests: number;
  secretsManagerRequests: number;
  logs: Record<string, LogUsage>;
  /** Requests that start a trace (every API request reaches a traced Lambda: HTTP APIs do not trace). */
  tracedRequests: number;
}

export interface StepRecord {
  journey: string;
  step: string;
  /** How many times the runner began this step (e.g. 36 idle polls are one row). */
  occurrences: number;
  usage: Usage;
}

export interface MeterReport {
  steps: StepRecord[];
}

export const emptyUsage = (): Usage => ({
  apiRequests: 0,
  lambda: {},
  stateMachines: {},
  dynamodb: {},
  awsRequests: {},
  emails: 0,
  sms: 0,
  s3Requests: 0,
  kmsRequests: 0,
  secretsManagerRequests: 0,
  logs: {},
  tracedRequests: 0,
});

/** The entry of `key` in `record`, created by `make` the first time. */
function entry<T>(record: Record<string, T>, key: string, make: () => T): T {
  const found = record[key];
  if (found !== undefined) return found;
  const made = make();
  record[key] = made;
  return made;
}

const emptyTable = (): TableUsage => ({
  requests: 0,
  readUnits: 0,
  writeUnits: 0,
  failedConditionalWrites: 0,
});

const add = <T extends object>(into: T, from: T): T => {
  const out = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(from)) {
    if (typeof value === 'number') out[key] = ((out[key] as number | undefined) ?? 0) + value;
    else if (typeof value === 'object' && value !== null) {
      add(entry(out, key, () => ({})) as object, value as object);
    }
  }
  return into;
};

/** The sum of several usages (a journey's steps, or all of them). */
export const sumUsage = (usages: readonly Usage[]): Usage =>
  usages.reduce((total, u) => add(total, structuredClone(u)), emptyUsage());

/** Memory size is configuration, not a quantity: the sum keeps it (same function, same memory). */
const keepMemory = (total: Usage, usages: readonly Usage[]): Usage => {
  for (const u of usages)
    for (const [fn, l] of Object.entries(u.lambda))
      if (total.lambda[fn]) total.lambda[fn].memoryMb = l.memoryMb;
  return total;
};

export const totalUsage = (usages: readonly Usage[]): Usage => keepMemory(sumUsage(usages), usages);

/** DynamoDB's item size: attribute names and values (UTF-8), numbers ~1 byte per 2 digits + 1, containers + 3. */
export function attributeSize(value: unknown): number {
  const v = value as Record<string, unknown>;
  if ('S' in v) return Buffer.byteLength(String(v.S));
  if ('N' in v) return Math.ceil(String(v.N).replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if ('B' in v) return Buffer.from(String(v.B), 'base64').length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('SS' in v) return (v.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
  if ('NS' in v) return (v.NS as string[]).reduce((n, s) => n + attributeSize({ N: s }), 0);
  if ('BS' in v) return (v.BS as string[]).reduce((n, s) => n + attributeSize({ B: s }), 0);
  if ('L' in v) return 3 + (v.L as unknown[]).reduce<number>((n, e) => n + 1 + attributeSize(e), 0);
  if ('M' in v) return 3 + itemSize(v.M as Record<string, unknown>) + Object.keys(v.M as object).length;
  return 0;
}

export const itemSize = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name) + attributeSize(value), 0);

/** Write units of a write whose condition failed: the existing item's size in 1 KB units, at least 1. */
export const failedWriteUnits = (existingSize: number | undefined): number =>
  Math.max(1, Math.ceil((existingSize ?? 0) / 1024));

export class Meter {
  private readonly steps = new Map<string, StepRecord>();
  private current: StepRecord;
  private inFlight = 0;
  private lastActivity = Date.now();
  private dynamo: DynamoDBClient | undefined;
  private readonly keySchemas = new Map<string, string[]>();

  constructor() {
    this.current = this.record('-', 'stack start');
  }

  private record(journey: string, step: string): StepRecord {
    const key = `${journey}\u0000${step}`;
    let record = this.steps.get(key);
    if (!record) {
      record = { journey, step, occurrences: 0, usage: emptyUsage() };
      this.steps.set(key, record);
    }
    return record;
  }

  /** What follows (until the next `begin`) is counted in this step of this journey. */
  begin(journey: string, step: string): void {
    this.current = this.record(journey, step);
    this.current.occurrences++;
  }

  /** Resolves when nothing has run for `quietMs` (no request, invocation or execution in flight). */
  async idle(quietMs = 150, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 || Date.now() - this.lastActivity < quietMs) {
      if (Date.now() > deadline) throw new Error(`meter: still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Counts `work` as in flight (the idle wait waits for it); returns its result. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.lastActivity = Date.now();
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.lastActivity = Date.now();
    }
  }

  report(): MeterReport {
    return {
      steps: [...this.steps.values()]
        .filter((s) => s.occurrences > 0 || s.usage.apiRequests > 0 || Object.keys(s.usage.lambda).length > 0)
        .map((s) => structuredClone(s)),
    };
  }

  /** Forgets everything counted so far (after a warm-up run). */
  reset(): void {
    this.steps.clear();
    this.current = this.record('-', 'between steps');
  }

  private get usage(): Usage {
    return this.current.usage;
  }

  /** An HTTP API request and the access log line the `$default` stage writes for it. */
  apiRequest(logGroup: string, line: string): void {
    this.usage.apiRequests++;
    this.usage.tracedRequests++;
    this.log(logGroup, `${line}\n`);
  }

  /** A Lambda invocation, with the platform's START/END/REPORT lines Lambda writes to the function's log group. */
  lambdaInvoked(
    fn: { logicalId: string; memorySize: number; logGroupName: string; systemLogLevel?: string },
    measured: { durationMs: number; initMs?: number; ok: boolean },
  ): void {
    const l = entry(this.usage.lambda, fn.logicalId, () => ({
      invocations: 0,
      durationMs: 0,
      billedDurationMs: 0,
      memoryMb: fn.memorySize,
      gbSeconds: 0,
      coldStarts: 0,
      initMs: 0,
      errors: 0,
    }));
    const billed = Math.ceil(measured.durationMs);
    l.invocations++;
    l.durationMs += measured.durationMs;
    l.billedDurationMs += billed;
    l.gbSeconds += (billed / 1000) * (fn.memorySize / 1024);
    if (measured.initMs !== undefined) {
      l.coldStarts++;
      l.initMs += measured.initMs;
    }
    if (!measured.ok) l.errors++;
    // Platform records are INFO: a SystemLogLevel of WARN or ERROR (JSON log format) drops them.
    if (fn.systemLogLevel === 'WARN' || fn.systemLogLevel === 'ERROR') return;
    const id = randomUUID();
    const trace = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    this.log(fn.logGroupName, `START RequestId: ${id} Version: $LATEST\n`);
    this.log(fn.logGroupName, `END RequestId: ${id}\n`);
    this.log(
      fn.logGroupName,
      // Max Memory Used: a placeholder of the same width (only the line's byte count matters here).
      `REPORT RequestId: ${id}\tDuration: ${measured.durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${fn.memorySize} MB\tMax Memory Used: ${Math.round(fn.memorySize / 5)} MB\t${measured.initMs !== undefined ? `Init Duration: ${measured.initMs.toFixed(2)} ms\t` : ''}\nXRAY TraceId: ${trace}\tSegmentId: ${randomBytes(8).toString('hex')}\tSampled: true\t\n`,
    );
  }

  /** Bytes a function wrote to stdout/stderr (one log event per line). */
  functionOutput(logGroup: string, chunk: Buffer): void {
    this.log(logGroup, chunk.toString('utf8'));
  }

  private log(logGroup: string, text: string): void {
    const lines = text.split('\n').filter((line) => line.length > 0);
    if (lines.length === 0) return;
    const l = entry(this.usage.logs, logGroup, () => ({ events: 0, bytes: 0 }));
    l.events += lines.length;
    l.bytes += lines.reduce((n, line) => n + Buffer.byteLength(line) + 26, 0);
  }

  /** One EXPRESS execution: states entered, measured duration, and its ERROR-level log event when it failed. */
  execution(
    machine: { logicalId: string; logGroupName?: string },
    measured: { stateTransitions: number; durationMs: number; status: string; error?: string },
  ): void {
    const e = entry(this.usage.stateMachines, machine.logicalId, () => ({
      executions: 0,
      stateTransitions: 0,
      durationMs: 0,
      gbSeconds: 0,
      failed: 0,
    }));
    e.executions++;
    e.stateTransitions += measured.stateTransitions;
    e.durationMs += measured.durationMs;
    e.gbSeconds += (Math.ceil(Math.max(measured.durationMs, 1) / 100) / 10) * (64 / 1024);
    if (measured.status !== 'SUCCEEDED') {
      e.failed++;
      if (machine.logGroupName)
        this.log(
          machine.logGroupName,
          JSON.stringify({ type: 'ExecutionFailed', details: { error: measured.error ?? '' } }),
        );
    }
  }

  /** Any AWS request the functions (or machines) made, by service and operation. */
  awsRequest(service: string, operation: string, status: number): void {
    // REST protocols have no operation header: name them by what the harness implements for them.
    const named = operation.includes('/functions/')
      ? 'Invoke'
      : service === 's3' && operation.startsWith('PUT ')
        ? 'PutObject'
        : operation.includes('/outbound-emails')
          ? 'SendEmail'
          : operation;
    const key = `${service}:${named}`;
    this.usage.awsRequests[key] = (this.usage.awsRequests[key] ?? 0) + 1;
    if (status >= 300) return;
    if (service === 'ses') this.usage.emails++;
    if (service === 'sns') this.usage.sms++;
    if (service === 's3') this.usage.s3Requests++;
    if (service === 'secretsmanager') this.usage.secretsManagerRequests++;
  }

  kmsRequest(): void {
    this.usage.kmsRequests++;
  }

  /** DynamoDB Local's DynamoDB: where the meter reads existing items' sizes (failed conditional writes). */
  attachDynamo(endpoint: string, region: string): void {
    this.dynamo = new DynamoDBClient({
      endpoint,
      region,
      credentials: { accessKeyId: 'meter', secretAccessKey: 'meter' },
    });
  }

  async close(): Promise<void> {
    this.dynamo?.destroy();
  }

  /** The consumed capacity DynamoDB (Local) reported for one request. */
  consumed(capacity: unknown, operation: string): void {
    const list = Array.isArray(capacity) ? capacity : capacity ? [capacity] : [];
    const write = /Put|Update|Delete|Write/.test(operation);
    for (const c of list as Array<{ TableName?: string; CapacityUnits?: number }>) {
      const t = this.table(String(c.TableName ?? '?'));
      if (write) t.writeUnits += c.CapacityUnits ?? 0;
      else t.readUnits += c.CapacityUnits ?? 0;
    }
  }

  dynamodbRequest(table: string): void {
    this.table(table).requests++;
  }

  private table(name: string): TableUsage {
    return entry(this.usage.dynamodb, name, emptyTable);
  }

  /**
   * A conditional write (or a cancelled transaction's writes) whose condition failed: DynamoDB charges the
   * existing item's size in write units (at least 1). The item is read from DynamoDB Local after the fact.
   */
  async failedWrites(writes: Array<{ table: string; item: Record<string, unknown> }>): Promise<void> {
    const usage = this.usage;
    for (const { table, item } of writes) {
      const size = await this.existingSize(table, item);
      const t = entry(usage.dynamodb, table, emptyTable);
      t.failedConditionalWrites++;
      t.writeUnits += failedWriteUnits(size);
    }
  }

  private async existingSize(table: string, item: Record<string, unknown>): Promise<number | undefined> {
    if (!this.dynamo) return undefined;
    let keys = this.keySchemas.get(table);
    if (!keys) {
      const described = await this.dynamo.send(new DescribeTableCommand({ TableName: table }));
      keys = (described.Table?.KeySchema ?? []).map((k) => String(k.AttributeName));
      this.keySchemas.set(table, keys);
    }
    const Key = Object.fromEntries(keys.map((k) => [k, item[k]]));
    const found = await this.dynamo.send(
      new GetItemCommand({ TableName: table, Key: Key as never, ConsistentRead: true }),
    );
    return found.Item ? itemSize(found.Item as Record<string, unknown>) : undefined;
  }
}
