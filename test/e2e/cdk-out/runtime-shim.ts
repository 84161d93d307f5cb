/**
 * A Lambda execution environment's runtime, in miniature (test tooling for the `cdk-out` e2e target; run by Node
 * 22 with type stripping, so erasable TypeScript only and no imports from the repository). Imports the function's
 * module from LAMBDA_TASK_ROOT per `_HANDLER` (`index.handler`) once (init), then serves invocations sent over
 * IPC one at a time, like a warm container. Names under `.localhost` resolve to loopback (RFC 6761), so that the
 * SDK's host prefixes (`sync-` for StartSyncExecution) and S3 virtual hosts reach the harness's AWS endpoint.
 */
import dns from 'node:dns';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type LookupCallback = (error: Error | null, address: unknown, family?: number) => void;
const originalLookup = dns.lookup;
const isLoopbackName = (host: unknown): boolean =>
  typeof host === 'string' && (host === 'localhost' || host.endsWith('.localhost'));
(dns as { lookup: unknown }).lookup = function lookup(
  host: string,
  options: unknown,
  callback?: LookupCallback,
): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
  if (isLoopbackName(host)) {
    if (opts.all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    else process.nextTick(cb, null, '127.0.0.1', 4);
    return;
  }
  (originalLookup as (...args: unknown[]) => void).call(dns, host, options, callback);
};

interface Invocation {
  type: 'invoke';
  id: string;
  event: unknown;
  deadline: number;
  invokedFunctionArn: string;
}

interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

const toError = (error: unknown): LambdaError => {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name || 'Error', errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
};

const send = (message: unknown): void => {
  process.send?.(message);
};

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

async function init(): Promise<Handler> {
  const root = process.env.LAMBDA_TASK_ROOT ?? '.';
  const spec = process.env._HANDLER ?? 'index.handler';
  const dot = spec.lastIndexOf('.');
  const moduleName = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(root, moduleName + ext)).find((f) => existsSync(f));
  if (!file)
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), {
      name: 'Runtime.ImportModuleError',
    });
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${spec} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler as Handler;
}

const ready = init();
ready.then(
  () => send({ type: 'ready' }),
  (error: unknown) => send({ type: 'init-error', error: toError(error) }),
);

process.on('message', (message: Invocation) => {
  if (message.type !== 'invoke') return;
  const context = {
    awsRequestId: message.id,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  ready
    .then((handler) => handler(message.event, context))
    .then(
      (result) => send({ type: 'result', id: message.id, result: result === undefined ? null : result }),
      (error: unknown) => send({ type: 'error', id: message.id, error: toError(error) }),
    );
});

process.on('unhandledRejection', (error) => {
  process.stderr.write(`Runtime.UnhandledPromiseRejection ${String(error)}\n`);
  process.exit(128);
});
