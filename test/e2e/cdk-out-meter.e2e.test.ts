import { describe, expect, inject, it } from 'vitest';
import type { MeterReport } from './cdk-out/meter.js';
import { authenticate, post } from './client.js';
import { targetName } from './target.js';

/**
 * The cdk-out harness's meter (what `npm run cost` prices) counts real work: one start step of Login is one API
 * request, at least one Lambda invocation, one EXPRESS execution entering states, and a transaction written.
 */
const cdkOut = targetName() === 'cdk-out';

describe.skipIf(!cdkOut)('cdk-out harness: the meter counts what a step uses', () => {
  const meterUrl = cdkOut ? inject('e2eMeterUrl') : '';

  it('meters a Login start step', async () => {
    const journey = `meter-${Date.now()}`;
    const begun = await fetch(`${meterUrl}/step`, {
      method: 'POST',
      body: JSON.stringify({ journey, step: 'start' }),
    });
    expect(begun.status).toBe(204);

    const reply = await post(authenticate('Login'));
    const report = (await (await fetch(meterUrl)).json()) as MeterReport;
    const step = report.steps.find((s) => s.journey === journey);
    const usage = step?.usage;
    const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

    expect(reply.status).toBe(200);
    expect(step?.occurrences).toBe(1);
    expect(usage?.apiRequests).toBe(1);
    expect(sum(Object.values(usage?.lambda ?? {}).map((l) => l.invocations))).toBeGreaterThanOrEqual(1);
    expect(sum(Object.values(usage?.lambda ?? {}).map((l) => l.gbSeconds))).toBeGreaterThan(0);
    expect(sum(Object.values(usage?.stateMachines ?? {}).map((m) => m.executions))).toBe(1);
    expect(sum(Object.values(usage?.stateMachines ?? {}).map((m) => m.stateTransitions))).toBeGreaterThan(0);
    expect(sum(Object.values(usage?.dynamodb ?? {}).map((t) => t.writeUnits))).toBeGreaterThan(0);
    expect(sum(Object.values(usage?.logs ?? {}).map((l) => l.bytes))).toBeGreaterThan(0);
  });
});
