import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Meter } from './meter.js';

/** A function as the template declares it, resolved to local values. */
export interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  roleArn: string;
  codeDir: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
  logGroupName: string;
  /**
   * LoggingConfig's SystemLogLevel (JSON log format): WARN or ERROR drop the platform's START/END/REPORT
   * records, which Lambda logs at INFO. Undefined: the text format, which always writes them.
   */
  systemLogLevel?: string;
  /** The credentials its execution role's session gets (how the harness's endpoints know the caller). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeOutcome = { ok: true; payload: unknown } | { ok: false; error: FunctionError };

interface Pending {
  resolve(outcome: InvokeOutcome): void;
  timer: NodeJS.Timeout;
  /** When the event was sent to the initialized runtime (performance.now()), for the meter. */
  sentAt?: number;
}

/** What the meter is told about one invocation. */
export interface Measured {
  durationMs: number;
  /** Set on a cold start: the module's init, measured from the process's spawn. */
  initMs?: number;
}

/** One execution environment: a Node 22 process with the function's environment, warm between invocations. */
class Sandbox {
  readonly child: ChildProcess;
  busy = false;
  dead = false;
  private readonly ready: Promise<FunctionError | undefined>;
  private pending: (Pending & { id: string }) | undefined;
  private readonly spawnedAt = performance.now();
  private initMs: number | undefined;
  private cold = true;
  /** The last settled invocation's measurement. */
  measured: Measured = { durationMs: 0 };

  constructor(
    private readonly spec: FunctionSpec,
    node: string,
    baseEnv: Record<string, string>,
    log: WriteStream,
    index: number,
    onOutput?: (chunk: Buffer) => void,
  ) {
    const shim = fileURLToPath(new URL('./runtime-shim.ts', import.meta.url));
    const env: Record<string, string> = {
      ...baseEnv,
      ...spec.environment,
      LAMBDA_TASK_ROOT: spec.codeDir,
      _HANDLER: spec.handler,
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${index}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      AWS_ACCESS_KEY_ID: spec.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: spec.credentials.secretAccessKey,
      ...(spec.credentials.sessionToken ? { AWS_SESSION_TOKEN: spec.credentials.sessionToken } : {}),
      TZ: 'UTC',
    };
    this.child = spawn(node, [shim], {
      cwd: spec.codeDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    if (onOutput) {
      this.child.stdout?.on('data', onOutput);
      this.child.stderr?.on('data', onOutput);
    }
    this.ready = new Promise((resolve) => {
      const onMessage = (message: { type: string; error?: FunctionError }): void => {
        if (message.type === 'ready') {
          this.initMs = performance.now() - this.spawnedAt;
          resolve(undefined);
        } else if (message.type === 'init-error') resolve(message.error);
        else return;
        this.child.off('message', onMessage);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code, signal) =>
        resolve({ errorType: 'Runtime.ExitError', errorMessage: `exited during init (${code ?? signal})` }),
      );
    });
    this.child.on(
      'message',
      (message: { type: string; id?: string; result?: unknown; error?: FunctionError }) => {
        const pending = this.pending;
        if (!pending || message.id !== pending.id) return;
        if (message.type === 'result') this.settle({ ok: true, payload: message.result });
        else if (message.type === 'error' && message.error) this.settle({ ok: false, error: message.error });
      },
    );
    this.child.once('exit', (code, signal) => {
      this.dead = true;
      this.settle({
        ok: false,
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${this.pending?.id ?? '-'} Error: Runtime exited (${code ?? signal})`,
        },
      });
    });
  }

  private settle(outcome: InvokeOutcome): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.measured = {
      durationMs: pending.sentAt === undefined ? 0 : performance.now() - pending.sentAt,
      ...(this.cold && this.initMs !== undefined ? { initMs: this.initMs } : {}),
    };
    this.cold = false;
    pending.resolve(outcome);
  }

  /** One invocation; the timeout covers init, as on Lambda's first (cold) invocation. */
  async invoke(event: unknown): Promise<InvokeOutcome> {
    const id = randomUUID();
    const deadline = Date.now() + this.spec.timeoutSeconds * 1000;
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        // As Lambda: the environment is torn down, the invocation fails with Sandbox.Timedout.
        this.settle({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${id} Error: Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
        this.kill();
      }, this.spec.timeoutSeconds * 1000);
      this.pending = { id, resolve, timer };
      this.ready.then((initError) => {
        if (this.pending?.id !== id) return;
        if (initError) {
          this.settle({ ok: false, error: initError });
          this.kill();
          return;
        }
        if (this.pending) this.pending.sentAt = performance.now();
        this.child.send({ type: 'invoke', id, event, deadline, invokedFunctionArn: this.spec.arn });
      });
    });
  }

  kill(): void {
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * The Lambda functions of the stack: each invocation runs in an idle execution environment of its function, or a
 * new one (cold start) while fewer than `maxConcurrency` exist — environments are never shared across functions.
 */
export class LocalLambda {
  private readonly sandboxes = new Map<string, Sandbox[]>();
  private readonly logs = new Map<string, WriteStream>();
  private readonly queues = new Map<string, Array<() => void>>();

  constructor(
    readonly functions: readonly FunctionSpec[],
    private readonly node: string,
    private readonly baseEnv: Record<string, string>,
    private readonly logDir: string,
    private readonly maxConcurrency = 4,
    private readonly meter?: Meter,
  ) {}

  find(nameOrArn: string): FunctionSpec | undefined {
    // FunctionName: a name, an ARN or a partial ARN, optionally qualified (`:$LATEST`, a version or an alias).
    const parts = nameOrArn.split(':');
    const base = nameOrArn.startsWith('arn:') ? parts.slice(0, 7).join(':') : (parts[0] ?? nameOrArn);
    return this.functions.find((f) => f.arn === base || f.name === base);
  }

  logFile(spec: FunctionSpec): string {
    return join(this.logDir, `${spec.logicalId}.log`);
  }

  private log(spec: FunctionSpec): WriteStream {
    let stream = this.logs.get(spec.logicalId);
    if (!stream) {
      stream = createWriteStream(this.logFile(spec), { flags: 'a' });
      this.logs.set(spec.logicalId, stream);
    }
    return stream;
  }

  private async acquire(spec: FunctionSpec): Promise<Sandbox> {
    for (;;) {
      const pool = (this.sandboxes.get(spec.logicalId) ?? []).filter((s) => !s.dead);
      this.sandboxes.set(spec.logicalId, pool);
      const idle = pool.find((s) => !s.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (pool.length < this.maxConcurrency) {
        const meter = this.meter;
        const sandbox = new Sandbox(
          spec,
          this.node,
          this.baseEnv,
          this.log(spec),
          pool.length,
          meter ? (chunk) => meter.functionOutput(spec.logGroupName, chunk) : undefined,
        );
        sandbox.busy = true;
        pool.push(sandbox);
        return sandbox;
      }
      await new Promise<void>((resolve) => {
        const queue = this.queues.get(spec.logicalId) ?? [];
        queue.push(resolve);
        this.queues.set(spec.logicalId, queue);
      });
    }
  }

  private release(spec: FunctionSpec, sandbox: Sandbox): void {
    sandbox.busy = false;
    this.queues.get(spec.logicalId)?.shift()?.();
  }

  async invoke(spec: FunctionSpec, event: unknown): Promise<InvokeOutcome> {
    const run = async (): Promise<InvokeOutcome> => {
      const sandbox = await this.acquire(spec);
      try {
        const outcome = await sandbox.invoke(event);
        this.meter?.lambdaInvoked(spec, { ...sandbox.measured, ok: outcome.ok });
        return outcome;
      } finally {
        this.release(spec, sandbox);
      }
    };
    return this.meter ? this.meter.track(run) : run();
  }

  async stop(): Promise<void> {
    const all = [...this.sandboxes.values()].flat();
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
            s.child.once('exit', () => resolve());
            s.kill();
          }),
      ),
    );
    for (const stream of this.logs.values()) stream.end();
  }
}
