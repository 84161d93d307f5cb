import type { Usage } from '../test/e2e/cdk-out/meter.js';

/** One list price: `usd` for `per` units. */
export interface Price {
  usd: number;
  per: number;
  unit: string;
  source: string;
}

export type PriceId =
  | 'lambdaRequest'
  | 'lambdaArmGbSecond'
  | 'stepFunctionsExpressRequest'
  | 'stepFunctionsExpressGbSecond'
  | 'dynamodbReadRequestUnit'
  | 'dynamodbWriteRequestUnit'
  | 'httpApiRequest'
  | 'sesEmail'
  | 'snsSms'
  | 's3PutRequest'
  | 'kmsRequest'
  | 'secretsManagerRequest'
  | 'cloudWatchLogsIngestedGb'
  | 'xrayTraceRecorded';

export interface PriceList {
  region: string;
  recorded: string;
  note: string;
  currency: string;
  prices: Record<PriceId, Price>;
  xraySampling: { rate: number; reservoirPerSecond: number; source: string };
}

export interface CostLine {
  price: PriceId;
  /** Quantity per journey (or per scenario run, whatever the usage covered). */
  quantity: number;
  unit: string;
  usd: number;
  usdPer1000: number;
  note?: string;
}

export interface Cost {
  lines: CostLine[];
  usd: number;
  usdPer1000: number;
}

const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);

/** The quantities a usage bills, per price. */
export function billedQuantities(
  usage: Usage,
  prices: PriceList,
): Array<Omit<CostLine, 'usd' | 'usdPer1000'>> {
  const lambdas = Object.values(usage.lambda);
  const machines = Object.values(usage.stateMachines);
  const tables = Object.values(usage.dynamodb);
  const logs = Object.values(usage.logs);
  const unit = (id: PriceId): string => prices.prices[id].unit;
  return [
    { price: 'httpApiRequest', quantity: usage.apiRequests, unit: unit('httpApiRequest') },
    {
      price: 'lambdaRequest',
      quantity: sum(lambdas.map((l) => l.invocations)),
      unit: unit('lambdaRequest'),
    },
    {
      price: 'lambdaArmGbSecond',
      quantity: sum(lambdas.map((l) => l.gbSeconds)),
      unit: unit('lambdaArmGbSecond'),
      note: 'configured memory × duration measured on this x86 machine (Node 22), init excluded',
    },
    {
      price: 'stepFunctionsExpressRequest',
      quantity: sum(machines.map((m) => m.executions)),
      unit: unit('stepFunctionsExpressRequest'),
    },
    {
      price: 'stepFunctionsExpressGbSecond',
      quantity: sum(machines.map((m) => m.gbSeconds)),
      unit: unit('stepFunctionsExpressGbSecond'),
      note: 'measured duration in 100 ms increments × 64 MB',
    },
    {
      price: 'dynamodbReadRequestUnit',
      quantity: sum(tables.map((t) => t.readUnits)),
      unit: unit('dynamodbReadRequestUnit'),
    },
    {
      price: 'dynamodbWriteRequestUnit',
      quantity: sum(tables.map((t) => t.writeUnits)),
      unit: unit('dynamodbWriteRequestUnit'),
      note: 'failed conditional writes included',
    },
    { price: 'sesEmail', quantity: usage.emails, unit: unit('sesEmail') },
    { price: 'snsSms', quantity: usage.sms, unit: unit('snsSms'), note: 'SMS: counted, not priced' },
    { price: 's3PutRequest', quantity: usage.s3Requests, unit: unit('s3PutRequest') },
    { price: 'kmsRequest', quantity: usage.kmsRequests, unit: unit('kmsRequest') },
    {
      price: 'secretsManagerRequest',
      quantity: usage.secretsManagerRequests,
      unit: unit('secretsManagerRequest'),
    },
    {
      price: 'cloudWatchLogsIngestedGb',
      quantity: sum(logs.map((l) => l.bytes)) / 1024 ** 3,
      unit: unit('cloudWatchLogsIngestedGb'),
    },
    {
      price: 'xrayTraceRecorded',
      quantity: usage.tracedRequests * prices.xraySampling.rate,
      unit: unit('xrayTraceRecorded'),
      note: `${usage.tracedRequests} traced requests × ${prices.xraySampling.rate} (default sampling at volume; the 1 req/s reservoir is a fixed cost, ≤ 86,400 traces a day)`,
    },
  ];
}

/** Dollars for a usage (one journey run): each quantity × its list price, and per 1,000 runs. */
export function price(usage: Usage, prices: PriceList): Cost {
  const lines = billedQuantities(usage, prices).map((line) => {
    const p = prices.prices[line.price];
    const usd = (line.quantity * p.usd) / p.per;
    return { ...line, usd, usdPer1000: usd * 1000 };
  });
  const usd = sum(lines.map((l) => l.usd));
  return { lines, usd, usdPer1000: usd * 1000 };
}
