/**
 * `npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top N] [--callers NAME]`: sums a V8 CPU profile's
 * self time by module (npm package, or the project's own file) and by function, and the total time of a few
 * subsystems (self time of every frame under a function whose name or file matches), as shares of the busy
 * (non-idle) time. `--callers NAME` also lists the stacks (`--depth` frames up, default 4) that lead to functions named NAME.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: cpuprofile-summary.ts <file.cpuprofile> [--top N]');
const topIndex = process.argv.indexOf('--top');
const top = topIndex >= 0 ? Number(process.argv[topIndex + 1]) : 25;
const callersIndex = process.argv.indexOf('--callers');
const callersOf = callersIndex >= 0 ? process.argv[callersIndex + 1] : undefined;
const depthIndex = process.argv.indexOf('--depth');
const depth = depthIndex >= 0 ? Number(process.argv[depthIndex + 1]) : 4;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
});

/** `pkg` for node_modules/…/pkg, `@scope/pkg` for scoped ones, the path below the project for our files. */
function moduleOf(url: string): string {
  if (!url) return '(native/V8)';
  const path = decodeURIComponent(url.replace(/^file:\/\//, ''));
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  if (path.startsWith('node:')) return path;
  const project = path.indexOf('/functions/') >= 0 ? path.indexOf('/functions/') : path.indexOf('/infra/');
  return project >= 0 ? path.slice(project + 1) : path;
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
const idleMs = idle.reduce((a, [, ms]) => a + ms, 0);
const busy = total - idleMs;

const sum = (key: (n: ProfileNode) => string): Array<[string, number]> => {
  const acc = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n || n.callFrame.functionName === '(idle)') continue;
    const k = key(n);
    acc.set(k, (acc.get(k) ?? 0) + ms);
  }
  return [...acc].sort((a, b) => b[1] - a[1]);
};

/** Self time of all frames that have a frame matching `match` on their stack (each sample counted once). */
const under = (match: (n: ProfileNode) => boolean): number => {
  let ms = 0;
  for (const [id, t] of self) {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n && match(n)) {
        ms += t;
        break;
      }
    }
  }
  return ms;
};

const pct = (ms: number): string => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
const row = ([k, ms]: [string, number]): string => `${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${k}`;
const out: string[] = [
  `${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (${((100 * busy) / total).toFixed(0)}%)`,
  '',
  'self time by module',
  ...sum((n) => moduleOf(n.callFrame.url))
    .slice(0, top)
    .map(row),
  '',
  'self time by function',
  ...sum(
    (n) =>
      `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
  )
    .slice(0, top)
    .map(row),
];
// Each sample charged to the nearest frame (leaf first) of a library or of the project: Node's internals and
// native work (socket writes, hashing, JSON) count for whoever called them.
const attributed = new Map<string, number>();
for (const [id, t] of self) {
  const leaf = byId.get(id);
  if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
  let owner: string | undefined;
  for (let at: number | undefined = id; at !== undefined && !owner; at = parent.get(at)) {
    const m = moduleOf(byId.get(at)?.callFrame.url ?? '');
    if (!m.startsWith('node:') && !m.startsWith('(') && !m.startsWith('wasm:')) owner = m;
  }
  const key = owner ?? `(node only) ${moduleOf(leaf.callFrame.url)}`;
  attributed.set(key, (attributed.get(key) ?? 0) + t);
}
out.push(
  '',
  'time by nearest library or project frame (node internals and native work charged to their caller)',
);
for (const entry of [...attributed].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(row(entry));
const subsystems: Array<[string, (n: ProfileNode) => boolean]> = [
  ['aws-sdk + smithy (client side of DynamoDB calls)', (n) => /@aws-sdk|@smithy/.test(n.callFrame.url)],
  ['aws-local-stepfunctions (ASL interpreter)', (n) => /aws-local-stepfunctions/.test(n.callFrame.url)],
  ['valibot', (n) => /valibot/.test(n.callFrame.url)],
  ['undici (the bench client: fetch)', (n) => /undici|node:internal\/deps\/undici/.test(n.callFrame.url)],
  [
    'node:_http_server / _http_common',
    (n) => /node:_http_(server|common|incoming|outgoing)/.test(n.callFrame.url),
  ],
  ['structuredClone', (n) => n.callFrame.functionName === 'structuredClone'],
  ['garbage collector', (n) => n.callFrame.functionName === '(garbage collector)'],
  ['powertools logger', (n) => /powertools\/logger/.test(n.callFrame.url)],
];
out.push('', 'subsystems (self time of everything under them)');
for (const [name, match] of subsystems) out.push(row([name, under(match)]));
if (callersOf) {
  const frame = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const stacks = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (!n || n.callFrame.functionName !== callersOf) continue;
    const chain: string[] = [];
    for (let at = parent.get(id); at !== undefined && chain.length < depth; at = parent.get(at)) {
      const p = byId.get(at);
      if (p) chain.push(frame(p));
    }
    const key = chain.join(' < ');
    stacks.set(key, (stacks.get(key) ?? 0) + t);
  }
  out.push('', `callers of ${callersOf}`);
  for (const entry of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(row(entry));
}
process.stdout.write(`${out.join('\n')}\n`);
