import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The import graph of functions/**/*.ts must have no cycle. Type-only imports (`import type`) count too:
// they erase at run time, but a type cycle is still an "upward" dependency that the journey contract
// (functions/contract/) exists to remove, and it is what lets a value cycle creep back in later.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const functionsDir = join(root, 'functions');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers of every import/export declaration and dynamic import() in a file. */
function specifiers(text: string): string[] {
  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.filter((s) => s.startsWith('.'));
}

function importGraph(): Map<string, string[]> {
  const files = sourceFiles(functionsDir);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(readFileSync(file, 'utf8'))
      .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's strongly connected components; returns those with more than one member or a self-loop. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) result.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) strong(v);
  return result;
}

describe('import graph of functions/', () => {
  it('the detector finds a cycle and resolves specifiers', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
    expect(
      specifiers(
        "import type { A } from './a.js';\nimport { B } from '../b.js';\nexport * from './c.js';\nimport x from 'node:fs';\nconst y = await import('./d.js');",
      ),
    ).toEqual(['./a.js', '../b.js', './c.js', './d.js']);
  });

  it('has no cycle (type-only imports included)', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    const found = cycles(graph).map((c) => c.map((f) => relative(root, f)));
    expect(found).toEqual([]);
  });

  it('engine, nodes and store import only the contract, shared, providers and the AWS clients, not each other', () => {
    const layer = (file: string): string => relative(functionsDir, file).split('/')[0] ?? '';
    const layered = new Set(['engine', 'nodes', 'store', 'contract']);
    const found: string[] = [];
    for (const [file, targets] of importGraph()) {
      const from = layer(file);
      if (!layered.has(from)) continue;
      for (const target of targets) {
        const to = layer(target);
        if (to === from || to === 'contract' || to === 'shared' || to === 'providers' || to === 'aws')
          continue;
        found.push(`${relative(root, file)} -> ${relative(root, target)}`);
      }
    }
    // Issue 10 §1 is done for these layers: the allow-list is empty and stays so. The pure keys and the clock
    // the engine and nodes use are the contract's (contract/keys.ts, contract/clock.ts); the store implements
    // the ports; the composition root (functions/composition/) wires them.
    expect(found.sort()).toEqual([]);
  });
});

describe('module initialisation order', () => {
  it('importing the Page node first works (no cycle through the registry)', () => {
    const script =
      "const m = await import('./functions/nodes/page.ts'); if (typeof m.pageNode !== 'function') process.exit(2);";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('');
  });
});
