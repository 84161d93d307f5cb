import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CfnTemplate } from './cfn.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CloudAssembly {
  dir: string;
  stackName: string;
  template: CfnTemplate;
  /** Asset object key (as in a function's `Code.S3Key`) → its directory in the cloud assembly. */
  assetDirs: Record<string, string>;
}

/**
 * Runs the CDK app as the CDK CLI does (`app` from cdk.json; context through CDK_CONTEXT_JSON, output directory
 * through CDK_OUTDIR) and reads the stack back from the cloud assembly: the template and where each asset is.
 */
export async function synthesize(outDir: string, context: Record<string, unknown>): Promise<CloudAssembly> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    app: string;
    context?: Record<string, unknown>;
  };
  const [command = 'npx', ...args] = cdkJson.app.split(' ');
  const started = Date.now();
  try {
    await promisify(execFile)(command, args, {
      cwd: REPO_ROOT,
      env: {
        ...withoutAccount(process.env),
        CDK_OUTDIR: outDir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context }),
      },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`cdk synth (${cdkJson.app}) failed:\n${stderr ?? ''}\n${stdout ?? ''}`.slice(0, 8000));
  }
  process.stdout.write(`cdk-out: synthesized into ${outDir} in ${Date.now() - started} ms\n`);
  return readCloudAssembly(outDir);
}

/** The environment without an account or region: the template stays environment-agnostic, as CI synthesizes it. */
function withoutAccount(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CDK_DEFAULT_ACCOUNT: _a, CDK_DEFAULT_REGION: _r, ...rest } = env;
  return rest;
}

interface Manifest {
  artifacts: Record<
    string,
    { type: string; properties?: { templateFile?: string; file?: string }; displayName?: string }
  >;
}

/** The (single) stack of a cloud assembly directory, with its file assets. */
export function readCloudAssembly(dir: string): CloudAssembly {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  if (stacks.length !== 1) {
    throw new Error(
      `cdk-out target: expected one stack in ${dir}, found ${stacks.map(([n]) => n).join(', ')}`,
    );
  }
  const [stackName, stack] = stacks[0] as [string, Manifest['artifacts'][string]];
  const template = JSON.parse(
    readFileSync(join(dir, stack.properties?.templateFile ?? `${stackName}.template.json`), 'utf8'),
  ) as CfnTemplate;
  const assetDirs: Record<string, string> = {};
  for (const artifact of Object.values(manifest.artifacts)) {
    if (artifact.type !== 'cdk:asset-manifest' || !artifact.properties?.file) continue;
    const assets = JSON.parse(readFileSync(join(dir, artifact.properties.file), 'utf8')) as {
      files?: Record<
        string,
        { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }
      >;
    };
    for (const file of Object.values(assets.files ?? {})) {
      const path = resolve(dir, file.source.path);
      for (const destination of Object.values(file.destinations)) {
        if (existsSync(path)) assetDirs[destination.objectKey] = path;
      }
    }
  }
  return { dir, stackName, template, assetDirs };
}
