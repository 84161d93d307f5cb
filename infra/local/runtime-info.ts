import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableNames } from '../../functions/store/dynamo.js';

/**
 * How to reach a running local runtime, for operator commands (`npm run admin`, ADR 12): written to
 * `<DATA_DIR>/runtime.json` (mode 0600) once the runtime is up, removed when it stops cleanly. A file left by a
 * runtime that was killed is recognized by its pid.
 *
 * It holds no user data. When the runtime runs the iProov sandbox, the sandbox's credentials are in it: they are
 * random per run and only open a dev sandbox on loopback, and the file is readable by its owner only. A real
 * iProov (IPROOV_* settings) is only named, never its credentials: the operator gives them to the CLI the same way.
 */
export interface RuntimeInfo {
  version: 1;
  pid: number;
  startedAt: string;
  url: string;
  dynamodbEndpoint: string;
  tables: TableNames;
  /** The realms served besides `root` (REALMS). */
  realms: string[];
  /** The local proof folder (the CLI deletes proof files; it needs no key for that). */
  proofsDir: string;
  /** `sandbox`: the IPROOV_* settings of the runtime's own sandbox; `environment`: a real iProov, not recorded. */
  iproov: { source: 'sandbox'; env: Record<string, string> } | { source: 'environment' };
}

export const RUNTIME_INFO_FILE = 'runtime.json';

export const runtimeInfoPath = (dataDir: string): string => join(dataDir, RUNTIME_INFO_FILE);

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  await writeFile(runtimeInfoPath(dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is this process's (a newer runtime's file is left alone). */
export async function removeRuntimeInfo(dataDir: string, pid = process.pid): Promise<void> {
  try {
    const info = JSON.parse(await readFile(runtimeInfoPath(dataDir), 'utf8')) as Partial<RuntimeInfo>;
    if (info.pid === pid) await rm(runtimeInfoPath(dataDir), { force: true });
  } catch {
    // no file, or not ours to judge: leave it
  }
}

/** The local runtime is not running (no runtime.json, or its process is gone). */
export class RuntimeNotRunningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeNotRunningError';
  }
}

/** Reads `<dataDir>/runtime.json` and checks that its process is alive. */
export async function readRuntimeInfo(dataDir: string): Promise<RuntimeInfo> {
  const path = runtimeInfoPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new RuntimeNotRunningError(
      `No local runtime is running on ${dataDir} (${path} not found). Start it with \`npm start\` (same DATA_DIR), or pass --data-dir.`,
    );
  }
  let info: RuntimeInfo;
  try {
    info = JSON.parse(text) as RuntimeInfo;
  } catch {
    throw new RuntimeNotRunningError(`${path} is not valid JSON: restart the runtime with \`npm start\`.`);
  }
  if (info.version !== 1 || typeof info.dynamodbEndpoint !== 'string' || typeof info.pid !== 'number') {
    throw new RuntimeNotRunningError(`${path} is not a runtime description this CLI understands.`);
  }
  if (!isAlive(info.pid)) {
    throw new RuntimeNotRunningError(
      `The local runtime recorded in ${path} (pid ${info.pid}) is not running any more. Start it with \`npm start\`.`,
    );
  }
  return info;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
