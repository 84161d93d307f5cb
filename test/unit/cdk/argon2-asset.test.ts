import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProoflineStack } from '../../../infra/cloud/proofline-stack.js';
import { deploymentSettings } from '../../../infra/cloud/settings.js';
import { lambdaNode } from '../../support/lambda-node.js';
import { TEST_CONFIG } from './synth.js';

const run = promisify(execFile);
/** argon2 0.45's prebuilds need Node-API 10: the assets are loaded with a Node like Lambda's nodejs22.x. */
const node = lambdaNode();

/**
 * The synthesized Lambda assets, loaded as Lambda would: the node functions ship argon2 (JS, the linux-arm64
 * prebuild, and linux-x64 so it can be loaded here) beside an index.mjs that imports it; the other functions
 * ship neither.
 */
describe('argon2 in the Lambda assets', () => {
  let outdir: string;
  let stack: ProoflineStack;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  beforeAll(() => {
    outdir = join(tmpdir(), `proofline-cdk-asset-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const app = new App({ outdir });
    // The test configuration: every node family has a function.
    const { stage: _stage, ...settings } = deploymentSettings((name) => TEST_CONFIG[name], {});
    stack = new ProoflineStack(app, 'Proofline-asset-test', settings);
    const assembly = app.synth();
    template = assembly.getStackByName(stack.stackName).template;
  }, 120_000);

  /** The asset directory of a function: its code's S3 key is `<asset hash>.zip`, the directory `asset.<hash>`. */
  const assetDir = (functionId: string): string => {
    const logicalId = stack.getLogicalId(stack.functions[functionId]!.node.defaultChild as CfnFunction);
    const code = template.Resources[logicalId]?.Properties.Code as { S3Key: string };
    const dir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    expect(existsSync(join(dir, 'index.mjs')), dir).toBe(true);
    return dir;
  };

  /** Every file of a directory, relative to it. */
  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
      .sort();

  it('ships exactly argon2, its two Linux prebuilds and its run-time dependencies with the node functions', () => {
    for (const id of ['IdentityNodesFunction', 'IdemiaNodesFunction', 'IproovNodesFunction']) {
      expect(files(join(assetDir(id), 'node_modules')), id).toEqual([
        '@phc/format/index.js',
        '@phc/format/license',
        '@phc/format/package.json',
        'argon2/LICENSE',
        'argon2/argon2.cjs',
        'argon2/package.json',
        'argon2/prebuilds/linux-arm64/argon2.armv8.glibc.node',
        'argon2/prebuilds/linux-x64/argon2.glibc.node',
        'node-gyp-build/LICENSE',
        'node-gyp-build/index.js',
        'node-gyp-build/node-gyp-build.js',
        'node-gyp-build/package.json',
      ]);
    }
  });

  it('ships an arm64 (aarch64) ELF shared object for Lambda', () => {
    const binary = readFileSync(
      join(
        assetDir('IdentityNodesFunction'),
        'node_modules/argon2/prebuilds/linux-arm64/argon2.armv8.glibc.node',
      ),
    );

    expect(binary.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // \x7fELF
    expect(binary[4]).toBe(2); // 64-bit
    expect(binary[5]).toBe(1); // little-endian
    expect(binary.readUInt16LE(16)).toBe(3); // ET_DYN
    expect(binary.readUInt16LE(18)).toBe(0xb7); // EM_AARCH64
  });

  it('imports argon2 from index.mjs instead of inlining it', () => {
    const bundle = readFileSync(join(assetDir('IdentityNodesFunction'), 'index.mjs'), 'utf8');

    expect(bundle).toMatch(/\bfrom\s*["']argon2["']/);
    expect(bundle).not.toContain('node-gyp-build');
    expect(bundle).not.toContain('Hash length is too large'); // a message of argon2.cjs
  });

  it('makes node-gyp-build pick the shipped prebuild on Lambda (linux arm64 glibc) and on linux x64', async () => {
    const dir = assetDir('IdentityNodesFunction');
    const script =
      "process.stdout.write(require('node-gyp-build').resolve(require('node:path').dirname(require.resolve('argon2'))))";
    const resolveFor = async (arch: string): Promise<string> =>
      (
        await run(process.execPath, ['--eval', script], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', npm_config_platform: 'linux', npm_config_arch: arch },
        })
      ).stdout;

    await expect(resolveFor('arm64')).resolves.toBe(
      join(dir, 'node_modules/argon2/prebuilds/linux-arm64/argon2.armv8.glibc.node'),
    );
    await expect(resolveFor('x64')).resolves.toBe(
      join(dir, 'node_modules/argon2/prebuilds/linux-x64/argon2.glibc.node'),
    );
  });

  it.skipIf(node === undefined)(
    'loads the shipped argon2 from the asset alone and hashes and verifies with it',
    async () => {
      const dir = assetDir('IdentityNodesFunction');
      const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/index.mjs');
      const { hash, verify, argon2id } = await import('argon2');
      const stored = await hash('Secret-Passw0rd', { type: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      process.stdout.write(JSON.stringify({
        resolved: require.resolve('argon2'),
        stored,
        right: await verify(stored, 'Secret-Passw0rd'),
        wrong: await verify(stored, 'secret-Passw0rd'),
      }));
    `;

      const { stdout } = await run(node as string, ['--input-type=module', '--eval', script], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
      });

      const result = JSON.parse(stdout) as {
        resolved: string;
        stored: string;
        right: boolean;
        wrong: boolean;
      };
      expect(result.resolved).toBe(join(dir, 'node_modules/argon2/argon2.cjs'));
      expect(result.stored).toMatch(/^\$argon2id\$v=19\$m=19456,/);
      expect(result).toMatchObject({ right: true, wrong: false });
    },
  );

  it.skipIf(node === undefined)(
    'loads the node functions’ bundle itself, with argon2 resolved from the asset',
    async () => {
      const dir = assetDir('IdentityNodesFunction');
      const script = `
      const { handler } = await import('./index.mjs');
      process.stdout.write(typeof handler);
    `;
      const tables = Object.fromEntries(
        ['TRANSACTIONS', 'USERS', 'SESSIONS', 'IPA_SESSIONS', 'IPROOV_CLAIMS', 'ATTEMPTS'].map((t) => [
          `${t}_TABLE`,
          t,
        ]),
      );

      const { stdout } = await run(node as string, ['--input-type=module', '--eval', script], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...tables },
      });

      expect(stdout).toBe('function');
    },
  );

  it('ships no argon2 with the API and webhook functions, which hash no passwords', () => {
    for (const id of ['ApiFunction', 'WebhookFunction']) {
      const dir = assetDir(id);
      expect(existsSync(join(dir, 'node_modules')), id).toBe(false);
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8'), id).not.toMatch(/["']argon2["']/);
    }
  });
});
