import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { baseUrl, PASSWORD, register, uniqueName } from './am-client.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, 'utf8');
const hasJq = await run('jq', ['--version']).then(
  () => true,
  () => false,
);

/** The README's examples are run, so they stay true. */
describe('README examples', () => {
  it('shows the SDK example file as it is', () => {
    const example = readFileSync(`${root}docs/examples/sdk-login.mjs`, 'utf8');
    const block = /### With the ForgeRock JavaScript SDK[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];

    expect(block).toBeDefined();
    expect(example).toContain(block!.trim());
  });

  it('signs in with the SDK example', async () => {
    const userName = uniqueName('readme');
    await register(userName);

    const { stdout } = await run('node', ['docs/examples/sdk-login.mjs'], {
      cwd: root,
      env: { ...process.env, BASE_URL: `${baseUrl()}/`, USERNAME: userName, PASSWORD },
    });

    expect(stdout).toMatch(/^Signed in; session token/m);
  });

  it.skipIf(!hasJq)('registers, signs in, validates and logs out with the curl example', async () => {
    const block = /### With curl[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const userName = uniqueName('curl');
    const script = block!
      .replace('BASE=http://127.0.0.1:8080', `BASE=${baseUrl()}`)
      .replaceAll('"ada"', `"${userName}"`)
      .replaceAll('ada@example.com', `${userName}@example.com`);

    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script]);

    const lines = stdout.trim().replace(/}\s*{/g, '}\n{').split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ tokenId: expect.any(String), realm: '/alpha' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ valid: true, uid: userName });
    expect(JSON.parse(lines[2]!)).toEqual({ result: 'Successfully logged out' });
  });
});
