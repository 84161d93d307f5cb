/**
 * Lambda bundle bench (issue 10 §2): `npm run bench:bundles [-- --cdk-out DIR] [--runs N] [--node-options V] [--json]`.
 *
 * Synthesizes the stack as `npm run synth` does (unless `--cdk-out DIR` names a cloud assembly already there),
 * then for every `AWS::Lambda::Function` of the template: the bytes of its bundle (`index.mjs`, the source map
 * apart) and its module init — the median of `--runs` (default 15, at least 10) cold imports of the bundle, each
 * in a fresh Node 22 process with the function's environment from the template (intrinsics resolved to dummy
 * physical names, a region and dummy credentials, as on Lambda; init must not call AWS, and nothing listens).
 * The baseline bundle of the same function (`bench/baseline-bundles/`, the bundles before issue 10) is imported
 * the same way, alternating with the current one, in the same run: the init is printed as a ratio to it.
 *
 * `--node-options V` replaces the template's NODE_OPTIONS for both (e.g. `''` or `--enable-source-maps`: how the
 * source-map decision was measured). Prints a table; `--json` prints the results as JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Json, mintPhysical, Resolver } from '../test/e2e/cdk-out/cfn.js';
import { readCloudAssembly } from '../test/e2e/cdk-out/synth.js';
import { lambdaNode } from '../test/support/lambda-node.js';
import { goalBytes, KB } from './bundle-budgets.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const BASELINE_DIR = join(REPO_ROOT, 'bench', 'baseline-bundles');
const GOAL_INIT_RATIO = 0.6;
/** How the baseline bundles were deployed (the template's NODE_OPTIONS at the baseline commit). */
const BASELINE_NODE_OPTIONS = '--enable-source-maps';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** Which baseline bundle a function is compared with, by its logical id. */
const BASELINES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^ApiFunction/, 'api'],
  [/^WebhookFunction/, 'webhooks'],
  [/^[A-Z][a-z]+NodesFunction/, 'nodes'],
];

export interface BundleResult {
  function: string;
  /** The pre-issue-10 bundle it is compared with; null for a function added since (no ratio). */
  baseline: string | null;
  bytes: number;
  goalBytes: number;
  mapBytes: number;
  baselineBytes: number | null;
  initMedianMs: number;
  baselineInitMedianMs: number | null;
  /** initMedianMs / baselineInitMedianMs */
  initRatio: number | null;
  initSamplesMs: number[];
  baselineInitSamplesMs: number[];
  meetsSize: boolean;
  meetsInit: boolean | null;
}

const { values: args } = parseArgs({
  options: {
    'cdk-out': { type: 'string' },
    runs: { type: 'string', default: '15' },
    'node-options': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 10) throw new Error('--runs: at least 10 cold imports per bundle');
const node = lambdaNode() ?? process.execPath;
const log = (line: string): void => {
  if (!args.json) process.stdout.write(`${line}\n`);
};

/** `npm run synth`'s command (cdk.json's app, the test configuration), into a fresh directory. */
function synthesize(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'proofline-bundles-'));
  const started = Date.now();
  const result = spawnSync('npm', ['run', '--silent', 'synth', '--', '--output', outDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) throw new Error(`npm run synth failed:\n${result.stderr}\n${result.stdout}`);
  log(`synthesized into ${outDir} in ${Date.now() - started} ms`);
  return outDir;
}

/** The time of one `import()` of `file` in a fresh Node process (ms, measured inside the process). */
function coldImport(file: string, env: Record<string, string>): number {
  const script =
    'const t0 = performance.now(); await import(process.argv[1]); ' +
    'process.stdout.write(JSON.stringify(performance.now() - t0)); process.exit(0);';
  const result = spawnSync(node, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
    cwd: join(file, '..'),
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) {
    throw new Error(`importing ${file} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  }
  return Number(result.stdout);
}

const median = (samples: readonly number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const cdkOut = args['cdk-out'] ?? synthesize();
const assembly = readCloudAssembly(cdkOut);
const deployment = {
  stackName: assembly.stackName,
  region: REGION,
  accountId: ACCOUNT,
  apiEndpoint: 'https://api.invalid',
};
const resolver = new Resolver(assembly.template, mintPhysical(assembly.template, deployment), deployment);

const results: BundleResult[] = [];
for (const [logicalId, resource] of Object.entries(assembly.template.Resources)) {
  if (resource.Type !== 'AWS::Lambda::Function') continue;
  const props = resource.Properties ?? {};
  const code = props.Code as { S3Key?: Json } | undefined;
  const assetDir = assembly.assetDirs[resolver.string(code?.S3Key)];
  if (!assetDir) throw new Error(`${logicalId}: no asset directory for its code`);
  const bundle = join(assetDir, 'index.mjs');
  if (!existsSync(bundle)) throw new Error(`${logicalId}: ${bundle} is missing`);
  // Functions added after issue 10 (the OpenID Provider, the hosted pages) have no baseline: no init ratio.
  const baseline = BASELINES.find(([pattern]) => pattern.test(logicalId))?.[1] ?? null;
  const baselineBundle = baseline ? join(BASELINE_DIR, baseline, 'index.mjs') : undefined;
  const goal = goalBytes(logicalId);

  const variables = (resolver.resolve(
    (props.Environment as { Variables?: Json } | undefined)?.Variables ?? {},
  ) ?? {}) as Record<string, Json>;
  const lambdaEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, String(value)])),
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: `${assembly.stackName}-${logicalId}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
    AWS_EXECUTION_ENV: `AWS_Lambda_${String(props.Runtime)}`,
    AWS_ACCESS_KEY_ID: 'AKIDBENCHBUNDLES',
    AWS_SECRET_ACCESS_KEY: 'bench-bundles-secret',
    AWS_SESSION_TOKEN: 'bench-bundles-token',
    TZ: 'UTC',
  };
  const currentEnv = { ...lambdaEnv, NODE_OPTIONS: args['node-options'] ?? lambdaEnv.NODE_OPTIONS ?? '' };
  const baselineEnv = { ...lambdaEnv, NODE_OPTIONS: args['node-options'] ?? BASELINE_NODE_OPTIONS };

  // One warm-up each (page cache), then alternately, so that the machine's noise falls on both alike.
  coldImport(bundle, currentEnv);
  if (baselineBundle) coldImport(baselineBundle, baselineEnv);
  const initSamplesMs: number[] = [];
  const baselineInitSamplesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    initSamplesMs.push(coldImport(bundle, currentEnv));
    if (baselineBundle) baselineInitSamplesMs.push(coldImport(baselineBundle, baselineEnv));
  }
  const bytes = statSync(bundle).size;
  const map = join(assetDir, 'index.mjs.map');
  const initMedianMs = median(initSamplesMs);
  const baselineInitMedianMs = baselineBundle ? median(baselineInitSamplesMs) : null;
  const initRatio = baselineInitMedianMs ? initMedianMs / baselineInitMedianMs : null;
  const result: BundleResult = {
    function: logicalId,
    baseline,
    bytes,
    goalBytes: goal,
    mapBytes: existsSync(map) ? statSync(map).size : 0,
    baselineBytes: baselineBundle ? statSync(baselineBundle).size : null,
    initMedianMs,
    baselineInitMedianMs,
    initRatio,
    initSamplesMs,
    baselineInitSamplesMs,
    meetsSize: bytes <= goal,
    meetsInit: initRatio === null ? null : initRatio <= GOAL_INIT_RATIO,
  };
  results.push(result);
  log(`${logicalId}: ${(bytes / KB).toFixed(0)} KB, init ${initMedianMs.toFixed(1)} ms`);
}

if (args.json) {
  process.stdout.write(
    `${JSON.stringify({ node, nodeVersion: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(), runs, cdkOut, results }, null, 2)}\n`,
  );
} else {
  const kb = (bytes: number): string => (bytes / KB).toFixed(0);
  log(`\n${node}, ${runs} cold imports per bundle (median); KB = 1024 bytes`);
  log(
    `${'function'.padEnd(32)} ${'KB'.padStart(6)} ${'map KB'.padStart(7)} ${'base KB'.padStart(8)} ${'init ms'.padStart(8)} ${'base ms'.padStart(8)} ${'ratio'.padStart(6)}  goals (size, <= 0.6x)`,
  );
  for (const r of results) {
    const ratio = r.initRatio === null ? '-' : `${r.initRatio.toFixed(2)}x`;
    const init = r.meetsInit === null ? 'init: no baseline' : r.meetsInit ? 'init met' : 'init NOT met';
    log(
      `${r.function.padEnd(32)} ${kb(r.bytes).padStart(6)} ${kb(r.mapBytes).padStart(7)} ${(r.baselineBytes === null ? '-' : kb(r.baselineBytes)).padStart(8)} ${r.initMedianMs.toFixed(1).padStart(8)} ${(r.baselineInitMedianMs === null ? '-' : r.baselineInitMedianMs.toFixed(1)).padStart(8)} ${ratio.padStart(6)}  ${r.meetsSize ? 'size met' : 'size NOT met'} (<= ${kb(r.goalBytes)} KB), ${init}`,
    );
  }
}
