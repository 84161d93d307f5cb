import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PriceList, price } from '../../scripts/cost-pricing.js';
import {
  emptyUsage,
  failedWriteUnits,
  itemSize,
  totalUsage,
  type Usage,
} from '../../test/e2e/cdk-out/meter.js';

const prices = JSON.parse(
  readFileSync(new URL('../../scripts/cost-prices.json', import.meta.url), 'utf8'),
) as PriceList;

/** Round numbers, so that every line's dollars can be worked out by hand. */
const usage = (): Usage => ({
  ...emptyUsage(),
  apiRequests: 1_000_000,
  lambda: {
    Api: {
      invocations: 600_000,
      durationMs: 0,
      billedDurationMs: 0,
      memoryMb: 512,
      gbSeconds: 1_000,
      coldStarts: 0,
      initMs: 0,
      errors: 0,
    },
    Nodes: {
      invocations: 400_000,
      durationMs: 0,
      billedDurationMs: 0,
      memoryMb: 1024,
      gbSeconds: 500,
      coldStarts: 0,
      initMs: 0,
      errors: 0,
    },
  },
  stateMachines: {
    Login: { executions: 2_000_000, stateTransitions: 9, durationMs: 0, gbSeconds: 100, failed: 0 },
  },
  dynamodb: {
    Transactions: { requests: 3, readUnits: 8_000_000, writeUnits: 1_000_000, failedConditionalWrites: 1 },
    Users: { requests: 1, readUnits: 0, writeUnits: 1_000_000, failedConditionalWrites: 0 },
  },
  emails: 1_000,
  sms: 7,
  s3Requests: 1_000,
  kmsRequests: 10_000,
  secretsManagerRequests: 10_000,
  logs: { '/aws/lambda/api': { events: 1, bytes: 1024 ** 3 } },
  tracedRequests: 1_000_000,
});

describe('cost pricing', () => {
  it('prices each metered quantity at its list price (per run and per 1,000 runs)', () => {
    const cost = price(usage(), prices);
    const usd = Object.fromEntries(cost.lines.map((l) => [l.price, l.usd]));

    expect(usd).toEqual({
      httpApiRequest: 1.0,
      lambdaRequest: 0.2,
      lambdaArmGbSecond: expect.closeTo(1_500 * 0.0000133334, 10),
      stepFunctionsExpressRequest: 2.0,
      stepFunctionsExpressGbSecond: expect.closeTo(100 * 0.00001667, 10),
      dynamodbReadRequestUnit: 1.0,
      dynamodbWriteRequestUnit: 1.25,
      sesEmail: 0.1,
      snsSms: 0,
      s3PutRequest: 0.005,
      kmsRequest: 0.03,
      secretsManagerRequest: 0.05,
      cloudWatchLogsIngestedGb: 0.5,
      xrayTraceRecorded: 0.25,
    });
    expect(cost.usd).toBeCloseTo(6.385 + 1_500 * 0.0000133334 + 100 * 0.00001667, 8);
    expect(cost.usdPer1000).toBeCloseTo(cost.usd * 1000, 6);
  });

  it('costs nothing for no usage', () => {
    expect(price(emptyUsage(), prices).usd).toBe(0);
  });

  it('records every price with its source, and the date they were recorded', () => {
    expect(prices.recorded).toBe('2026-11-27');
    for (const p of Object.values(prices.prices)) {
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.per).toBeGreaterThan(0);
    }
  });
});

describe('meter arithmetic', () => {
  it('sums usages step by step, keeping each function’s configured memory', () => {
    const total = totalUsage([usage(), usage()]);

    expect(total.apiRequests).toBe(2_000_000);
    expect(total.lambda.Api?.invocations).toBe(1_200_000);
    expect(total.lambda.Api?.memoryMb).toBe(512);
    expect(total.dynamodb.Transactions?.writeUnits).toBe(2_000_000);
    expect(total.logs['/aws/lambda/api']?.bytes).toBe(2 * 1024 ** 3);
  });

  it('sizes items as DynamoDB does, and charges a failed conditional write the existing item (≥ 1 unit)', () => {
    const item = { pk: { S: 'abc' }, n: { N: '12345' }, ok: { BOOL: true }, l: { L: [{ S: 'xy' }] } };

    // pk 2+3, n 1+(3+1), ok 2+1, l 1+(3 + 1 + 2)
    expect(itemSize(item)).toBe(5 + 5 + 3 + 7);
    expect(failedWriteUnits(undefined)).toBe(1);
    expect(failedWriteUnits(1024)).toBe(1);
    expect(failedWriteUnits(4_500)).toBe(5);
  });
});
