import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lambdaNode } from '../../support/lambda-node.js';
import { targetName } from '../target.js';
import { LocalHttpApi } from './api-gateway.js';
import { type FunctionSpec, LocalLambda } from './lambda.js';
import { LocalStates } from './states.js';

/** The cdk-out target's Lambda, Step Functions and API Gateway limits, on a tiny asset of its own. */
const node = lambdaNode();
const run = targetName() === 'cdk-out' && node !== undefined;

describe.skipIf(!run)('cdk-out runtime: warm processes, timeouts as on AWS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdk-out-runtime-'));
  writeFileSync(
    join(dir, 'index.mjs'),
    `let invocations = 0;
export const handler = async (event, context) => {
  invocations++;
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.fail) throw Object.assign(new Error('boom'), { name: 'NodeFailed' });
  return { invocations, greeting: process.env.GREETING, fn: context.functionName, pid: process.pid };
};`,
  );
  const spec: FunctionSpec = {
    logicalId: 'Probe',
    name: 'probe',
    arn: 'arn:aws:lambda:eu-west-1:123456789012:function:probe',
    roleArn: 'arn:aws:iam::123456789012:role/probe',
    codeDir: dir,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 2,
    memorySize: 128,
    environment: { GREETING: 'hello' },
    logGroupName: '/aws/lambda/probe',
    credentials: { accessKeyId: 'ASIAPROBE', secretAccessKey: 'x' },
  };
  const lambda = new LocalLambda([spec], node as string, {}, dir, 1);
  afterAll(() => lambda.stop());

  it('keeps the process warm between invocations, with the function environment', async () => {
    const first = await lambda.invoke(spec, {});
    const second = await lambda.invoke(spec, {});

    expect(first).toMatchObject({ ok: true, payload: { invocations: 1, greeting: 'hello', fn: 'probe' } });
    expect(second).toMatchObject({ ok: true, payload: { invocations: 2 } });
  });

  it('kills an invocation past Timeout with Sandbox.Timedout; the next one starts cold', async () => {
    const slow = await lambda.invoke(spec, { sleepMs: 3000 });
    const after = await lambda.invoke(spec, {});

    expect(slow).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(after).toMatchObject({ ok: true, payload: { invocations: 1 } });
  });

  it('reports a handler error with its errorType', async () => {
    expect(await lambda.invoke(spec, { fail: true })).toMatchObject({
      ok: false,
      error: { errorType: 'NodeFailed', errorMessage: 'boom' },
    });
  });

  it("fails a Lambda task with the function's errorType, and an execution past TimeoutSeconds as TIMED_OUT", async () => {
    const definition = (timeout: number) => ({
      StartAt: 'Call',
      TimeoutSeconds: timeout,
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: spec.arn, 'Payload.$': '$' },
          OutputPath: '$.Payload',
          End: true,
        },
      },
    });
    const machine = (name: string, timeout: number) => ({
      logicalId: name,
      arn: `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`,
      name,
      type: 'EXPRESS',
      roleArn: 'arn:aws:iam::123456789012:role/sm',
      definition: definition(timeout),
    });
    const states = new LocalStates([machine('Quick', 10), machine('Short', 1)], async (_m, name, payload) => {
      const fn = lambda.find(name);
      if (!fn) throw new Error(`no ${name}`);
      const outcome = await lambda.invoke(fn, payload);
      if (!outcome.ok)
        throw Object.assign(new Error(JSON.stringify(outcome.error)), { name: outcome.error.errorType });
      return outcome.payload;
    });

    const failed = await states.startSync(machine('Quick', 10).arn, JSON.stringify({ fail: true }));
    const timedOut = await states.startSync(machine('Short', 1).arn, JSON.stringify({ sleepMs: 1500 }));

    expect(failed).toMatchObject({ status: 'FAILED', error: 'NodeFailed' });
    expect(timedOut).toMatchObject({ status: 'TIMED_OUT' });
  });

  it('answers 504 when the integration overruns its timeout', async () => {
    const api = new LocalHttpApi(
      [{ routeKey: 'POST /slow', functionArn: spec.arn, payloadFormatVersion: '2.0', timeoutMs: 200 }],
      async () => new Promise((resolve) => setTimeout(() => resolve({ ok: true, payload: {} }), 1000)),
      { apiId: 'probe', accountId: '123456789012' },
    );
    const server = LocalHttpApi.createServer();
    api.listen(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const response = await fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' });
      const missing = await fetch(`http://127.0.0.1:${port}/nowhere`, { method: 'POST' });

      expect(response.status).toBe(504);
      expect(missing.status).toBe(404);
    } finally {
      await api.stop();
    }
  });
});
