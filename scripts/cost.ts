/**
 * `npm run cost [-- --json]`: what the scenario "Registration + IdentityProofing with 36 polls" makes the stack
 * use, measured on the cdk-out target (the synthesized stack run on this machine, test/e2e/cdk-out/), per journey
 * and per step, and what it costs per 1,000 runs at the list prices in scripts/cost-prices.json. Method: docs/cost.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Meter, type StepRecord, totalUsage, type Usage } from '../test/e2e/cdk-out/meter.js';
import { startCdkOutStack } from '../test/e2e/cdk-out/stack.js';
import { type Cost, type PriceList, price } from './cost-pricing.js';

const POLLS = 36;
const GOAL_USD_PER_1000 = 0.15;
const PASSWORD = 'Cost-Secret-Passw0rd';
const json = process.argv.includes('--json');
const prices = JSON.parse(readFileSync(new URL('./cost-prices.json', import.meta.url), 'utf8')) as PriceList;

interface Callback {
  type: string;
  output: Array<{ name: string; value: unknown }>;
  input: Array<{ name: string; value: unknown }>;
}
type Body = Record<string, unknown> & { callbacks?: Callback[]; authId?: string };
interface Reply {
  status: number;
  body: Body;
}

const say = (text: string): void => {
  (json ? process.stderr : process.stdout).write(`${text}\n`);
};

async function post(url: string, body?: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=2.1, protocol=1.0' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Body };
}

async function control(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
}

const output = (callback: Callback, name: string): unknown =>
  callback.output.find((o) => o.name === name)?.value;

/** Fills each callback by position: a value its first input, an array its inputs in order (KBA question, answer). */
const fill = (step: Body, values: unknown[]): Body => {
  const copy = structuredClone(step);
  copy.callbacks?.forEach((callback, index) => {
    const value = values[index];
    if (value === undefined) return;
    (Array.isArray(value) ? value : [value]).forEach((v, i) => {
      const input = callback.input[i];
      if (input) input.value = v;
    });
  });
  return copy;
};

const expectOk = (what: string, reply: Reply): Reply => {
  if (reply.status !== 200) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply;
};

const ipaLink = (reply: Reply): string | undefined =>
  reply.body.callbacks?.find((c) => output(c, 'id') === 'ipaSessionUrl') &&
  String(output(reply.body.callbacks.find((c) => output(c, 'id') === 'ipaSessionUrl') as Callback, 'value'));

const iproovOf = (reply: Reply): { token: string; type: string } | undefined => {
  const metadata = reply.body.callbacks?.find((c) => c.type === 'MetadataCallback');
  return metadata
    ? (output(metadata, 'data') as { iproov?: { token: string; type: string } }).iproov
    : undefined;
};

/** One run of the scenario; every step is metered separately (the meter waits for the stack to be idle). */
async function scenario(meter: Meter, urls: { api: string; idemia: string; iproov: string }): Promise<void> {
  const authenticate = (journey: string): string =>
    `${urls.api}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;
  const step = async <T>(journey: string, name: string, work: () => Promise<T>): Promise<T> => {
    await meter.idle();
    meter.begin(journey, name);
    const result = await work();
    await meter.idle();
    return result;
  };
  const userName = `cost-${randomBytes(6).toString('hex')}`;

  // Registration, to a session.
  const reg = authenticate('Registration');
  const page = await step('Registration', 'start', async () =>
    expectOk('Registration start', await post(reg)),
  );
  const registered = await step('Registration', 'submit the form', async () =>
    expectOk(
      'Registration submit',
      await post(
        reg,
        fill(page.body, [
          ...[userName, 'Edith', 'Clarke', `${userName}@example.com`, false, true, PASSWORD],
          ...[
            ["What's your favorite color?", 'Teal'],
            ['Name of my first bicycle?', 'Rocinante'],
          ],
          true, // the terms accepted
        ]),
      ),
    ),
  );
  if (typeof registered.body.tokenId !== 'string')
    throw new Error(`Registration ended without a session: ${JSON.stringify(registered.body)}`);

  // IdentityProofing: sign in, the IPA link by QR code, 36 idle polls, IDEMIA's webhook, the face with iProov.
  const ip = authenticate('IdentityProofing');
  const start = await step('IdentityProofing', 'start', async () => expectOk('start', await post(ip)));
  const choice = await step('IdentityProofing', 'sign in', async () =>
    expectOk('sign in', await post(ip, fill(start.body, [userName, PASSWORD]))),
  );
  const confirmation = choice.body.callbacks?.find((c) => c.type === 'ChoiceCallback');
  const options = (confirmation ? output(confirmation, 'choices') : []) as string[];
  const qr = options.findIndex((o) => /qr/i.test(o));
  if (qr < 0) throw new Error(`no QR-code option: ${JSON.stringify(options)}`);
  const waiting = await step('IdentityProofing', 'choose the QR code', async () =>
    expectOk('choose', await post(ip, fill(choice.body, [qr]))),
  );
  const link = ipaLink(waiting);
  if (!link) throw new Error(`no IPA link: ${JSON.stringify(waiting.body)}`);
  const sessionId = new URL(link).searchParams.get('session-id');
  // Each reply carries the step's new authId: the client posts the latest one, as the SDK does.
  let current = waiting;
  for (let poll = 0; poll < POLLS; poll++) {
    const previous = current;
    const reply = await step('IdentityProofing', 'idle poll', async () =>
      expectOk('idle poll', await post(ip, previous.body)),
    );
    current = reply;
    if (!ipaLink(reply))
      throw new Error(`poll ${poll + 1} left the waiting step: ${JSON.stringify(reply.body)}`);
  }
  await step('IdentityProofing', 'IDEMIA webhook (+ async resume)', () =>
    control(`${urls.idemia}/sandbox/sessions/${sessionId}/complete`, {
      outcome: 'verified',
      loa: 'LOA3',
      identity: { givenNames: 'Edith', surname: 'Clarke' },
    }),
  );
  const last = current;
  let face = await step('IdentityProofing', 'poll after the event', async () =>
    expectOk('poll', await post(ip, last.body)),
  );
  // The webhook's resume runs asynchronously; should it not be done, the client polls again (counted as such).
  for (let extra = 0; !iproovOf(face) && extra < 10; extra++) {
    const previous = face;
    face = await step('IdentityProofing', 'poll after the event', async () =>
      expectOk('poll', await post(ip, previous.body)),
    );
  }
  const iproov = iproovOf(face);
  if (!iproov) throw new Error(`no face step: ${JSON.stringify(face.body)}`);
  const done = await step('IdentityProofing', 'face scanned (iProov)', async () => {
    await control(`${urls.iproov}/sandbox/tokens/${iproov.token}/scan`, { result: 'passed' });
    const submitted = structuredClone(face.body);
    const hidden = submitted.callbacks?.find(
      (c) => c.type === 'HiddenValueCallback' && output(c, 'id') === 'iproovResult',
    );
    if (hidden?.input[0]) hidden.input[0].value = 'passed';
    return expectOk('face', await post(ip, submitted));
  });
  if (typeof done.body.tokenId !== 'string')
    throw new Error(`IdentityProofing ended without a session: ${JSON.stringify(done.body)}`);
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number): string => `$${n.toFixed(4)}`;
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

interface Row {
  journey: string;
  step: string;
  occurrences: number;
  usage: Usage;
  cost: Cost;
}

function columns(row: Row): string[] {
  const u = row.usage;
  const lambdas = Object.values(u.lambda);
  const machines = Object.values(u.stateMachines);
  const tables = Object.values(u.dynamodb);
  const other = u.s3Requests + u.kmsRequests + u.secretsManagerRequests + u.emails + u.sms;
  return [
    row.journey,
    row.step,
    row.occurrences ? `×${row.occurrences}` : '',
    fmt(u.apiRequests),
    fmt(sum(lambdas.map((l) => l.invocations))),
    fmt(sum(lambdas.map((l) => l.gbSeconds)), 3),
    fmt(sum(machines.map((m) => m.executions))),
    fmt(sum(machines.map((m) => m.stateTransitions))),
    fmt(sum(tables.map((t) => t.readUnits)), 1),
    fmt(sum(tables.map((t) => t.writeUnits)), 1),
    fmt(other),
    fmt(sum(Object.values(u.logs).map((l) => l.bytes)) / 1024, 1),
    fmt(u.tracedRequests),
    usd(row.cost.usdPer1000),
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty =
    execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !==
    '';
  const meter = new Meter();
  // With --json, stdout carries the JSON only: the harness's progress lines go to stderr meanwhile.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  if (json) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  say('cost: starting the cdk-out target (synth, DynamoDB Local, Node 22 functions)…');
  const stack = await startCdkOutStack({ meter, keepWorkDir: false });
  let steps: StepRecord[];
  try {
    const urls = { api: stack.url, idemia: stack.idemiaSandboxUrl, iproov: stack.iproovSandboxUrl };
    say('cost: warm-up run (not counted: cold starts, secrets fetched once per environment)…');
    await scenario(meter, urls);
    await meter.idle();
    meter.reset();
    say('cost: measured run…');
    await scenario(meter, urls);
    await meter.idle();
    steps = meter.report().steps.filter((s) => s.occurrences > 0);
  } finally {
    await stack.stop();
    process.stdout.write = stdoutWrite;
  }
  const rows: Row[] = steps.map((s) => ({ ...s, cost: price(s.usage, prices) }));
  const journeys = [...new Set(rows.map((r) => r.journey))].map((journey) => {
    const usage = totalUsage(rows.filter((r) => r.journey === journey).map((r) => r.usage));
    return { journey, step: '(journey total)', occurrences: 0, usage, cost: price(usage, prices) };
  });
  const scenarioUsage = totalUsage(rows.map((r) => r.usage));
  const total = price(scenarioUsage, prices);
  const met = total.usdPer1000 <= GOAL_USD_PER_1000;
  const idlePoll = rows.find((r) => r.step === 'idle poll');

  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          scenario: `Registration + IdentityProofing with ${POLLS} polls`,
          measuredOn:
            'cdk-out target on this machine (x86-64, Node 22 for the functions); durations are local',
          commit: `${commit}${dirty ? '+changes' : ''}`,
          date: new Date().toISOString(),
          prices: { region: prices.region, recorded: prices.recorded, note: prices.note },
          steps: rows,
          journeys,
          total: { usage: scenarioUsage, cost: total },
          goal: { usdPer1000: GOAL_USD_PER_1000, met },
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const header = [
    'journey',
    'step',
    'n',
    'API req',
    'λ inv',
    'λ GB-s',
    'SFN exec',
    'transitions',
    'RRU',
    'WRU',
    'S3/KMS/SM/SES/SNS',
    'log KB',
    'traced req',
    '$/1k',
  ];
  const ordered = [...new Set(rows.map((r) => r.journey))].flatMap((journey) => [
    ...rows.filter((r) => r.journey === journey),
    ...journeys.filter((j) => j.journey === journey),
  ]);
  say('');
  say(
    `Scenario "Registration + IdentityProofing with ${POLLS} polls" on the cdk-out target — commit ${commit}${dirty ? ' (+ uncommitted changes)' : ''}, ${new Date().toISOString().slice(0, 10)}`,
  );
  say(
    'λ GB-s: configured memory × duration measured on this x86 machine (Node 22, local AWS endpoint and DynamoDB Local in the path), warm; rows of repeated steps are totals of their n runs.',
  );
  say('');
  say(
    table(
      header,
      [
        ...ordered,
        { journey: 'all', step: '(scenario total)', occurrences: 0, usage: scenarioUsage, cost: total },
      ].map(columns),
    ),
  );
  if (idlePoll) {
    const one = idlePoll.cost.usdPer1000 / idlePoll.occurrences;
    say(
      `\nOne idle poll: ${usd(one)} per 1,000 (${fmt((100 * idlePoll.cost.usdPer1000) / total.usdPer1000, 0)}% of the scenario's cost for the ${idlePoll.occurrences}).`,
    );
  }
  say(
    `\nAWS cost per 1,000 scenarios (${prices.region} list prices recorded ${prices.recorded}, scripts/cost-prices.json; vendor fees excluded):\n`,
  );
  say(
    table(
      ['service', 'price', 'quantity per scenario', 'unit', '$/1k scenarios'],
      total.lines.map((l) => [
        l.price,
        `$${prices.prices[l.price].usd} / ${fmt(prices.prices[l.price].per)}`,
        fmt(l.quantity, l.quantity < 10 && l.quantity % 1 !== 0 ? 6 : 0),
        l.unit,
        usd(l.usdPer1000),
      ]),
    ),
  );
  for (const l of total.lines.filter((l) => l.note)) say(`  ${l.price}: ${l.note}`);
  say(
    `\nTotal: ${usd(total.usdPer1000)} per 1,000 scenarios — goal ≤ $${GOAL_USD_PER_1000}: ${met ? 'met' : 'NOT met'}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`cost: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
