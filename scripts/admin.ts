import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AccountRef,
  eraseUser,
  UserNotFoundError,
  unlockAccount,
} from '../functions/operator/accounts.js';
import { type AuditEntry, audit, type OperatorCommand } from '../functions/operator/audit.js';
import { ConfigurationError } from '../functions/shared/errors.js';
import { UserRepository } from '../functions/store/users.js';
import { RuntimeNotRunningError } from '../infra/local/runtime-info.js';
import { localTarget, stackTarget, type Target } from './admin-targets.js';

/**
 * `npm run admin -- <command> …`: operator commands on one account (ADR 12), against the running local runtime
 * or a deployed stage (`--stack`). Every action writes one audit line (who, what, when, outcome; no PII).
 * Exit codes: 0 done, 1 refused or failed (no such user, not confirmed, runtime not running…), 2 usage.
 */
const USAGE = `Usage: npm run admin -- <command> --realm REALM --user USERNAME [options]

Commands:
  unlock       Lift the account's lockout and forget its failure counters; make an inactive account active.
  delete-user  Erase the user and everything tied to it: sessions, transactions, iProov claims and enrolment,
               proof archives, IPA sessions, the lockout record, the user (asks for confirmation).

Options:
  --realm REALM     Realm of the account (root, or one of REALMS, e.g. alpha).
  --user USERNAME   Username of the account.
  --stack NAME      Act on a deployed stage's CloudFormation stack with your AWS credentials (default provider
                    chain: AWS_PROFILE, AWS_REGION, …). Without it: the local runtime (npm start).
  --data-dir DIR    The local runtime's DATA_DIR (default: $DATA_DIR, else ./.data).
  --yes             delete-user: do not ask for confirmation.
  -h, --help        Show this help.

Examples:
  npm run admin -- unlock --realm alpha --user jdoe
  npm run admin -- delete-user --realm alpha --user jdoe
  AWS_PROFILE=ops npm run admin -- delete-user --realm alpha --user jdoe --stack Proofline-prod --yes
`;

const COMMANDS: readonly OperatorCommand[] = ['unlock', 'delete-user'];

export interface AdminIo {
  out(text: string): void;
  err(text: string): void;
  /** Asks a question and returns the answer (undefined when there is no one to answer). */
  ask(question: string): Promise<string | undefined>;
  env: NodeJS.ProcessEnv;
  /** Overrides how the target is found (tests). */
  target?: (options: { stack?: string; dataDir: string }) => Promise<Target>;
}

class UsageError extends Error {}

interface Parsed {
  command: OperatorCommand;
  account: AccountRef;
  stack?: string;
  dataDir: string;
  yes: boolean;
}

function parse(args: readonly string[], env: NodeJS.ProcessEnv): Parsed | 'help' {
  let values: {
    realm?: string;
    user?: string;
    stack?: string;
    'data-dir'?: string;
    yes?: boolean;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        realm: { type: 'string' },
        user: { type: 'string' },
        stack: { type: 'string' },
        'data-dir': { type: 'string' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('Missing command (unlock or delete-user).');
  if (!COMMANDS.includes(command as OperatorCommand)) {
    throw new UsageError(`Unknown command "${command}" (commands: ${COMMANDS.join(', ')}).`);
  }
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  const realm = values.realm?.trim();
  const userName = values.user?.trim();
  if (!realm) throw new UsageError('Missing --realm REALM.');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(realm)) throw new UsageError(`Invalid realm "${realm}".`);
  if (!userName) throw new UsageError('Missing --user USERNAME.');
  if (values.stack !== undefined && values['data-dir'] !== undefined) {
    throw new UsageError('--stack and --data-dir exclude each other (--data-dir is for the local runtime).');
  }
  if (values.stack !== undefined && !values.stack.trim()) throw new UsageError('Empty --stack.');
  if (values.yes && command !== 'delete-user') throw new UsageError('--yes is for delete-user only.');
  return {
    command: command as OperatorCommand,
    account: { realm, userName },
    ...(values.stack !== undefined ? { stack: values.stack.trim() } : {}),
    dataDir: resolve(values['data-dir'] ?? (env.DATA_DIR || '.data')),
    yes: values.yes ?? false,
  };
}

const defaultTarget = ({ stack, dataDir }: { stack?: string; dataDir: string }): Promise<Target> =>
  stack ? stackTarget(stack) : localTarget(dataDir);

/** Runs one command; returns the exit code. */
export async function main(args: readonly string[], io: AdminIo): Promise<number> {
  let parsed: Parsed | 'help';
  try {
    parsed = parse(args, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`admin: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.out(USAGE);
    return 0;
  }
  const { command, account } = parsed;

  let target: Target;
  let actor: string;
  try {
    target = await (io.target ?? defaultTarget)(parsed);
    actor = await target.actor();
  } catch (error) {
    if (error instanceof RuntimeNotRunningError || error instanceof ConfigurationError) {
      io.err(`admin: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (account.realm !== 'root' && !target.realms.includes(account.realm)) {
    io.err(
      `admin: realm "${account.realm}" is not served by ${target.description} (realms: root, ${target.realms.join(', ')}).\n`,
    );
    return 2;
  }
  const record = (entry: Omit<AuditEntry, 'actor' | 'command' | 'target' | 'realm'>) =>
    audit(
      { actor, command, target: target.name, realm: account.realm, ...entry },
      target.auditFile ? { file: target.auditFile } : {},
    );

  try {
    if (command === 'unlock') {
      const result = await unlockAccount(target.store, account);
      await record({
        userId: result.userId,
        outcome: 'unlocked',
        counts: { wasLocked: result.wasLocked, reactivated: result.reactivated },
      });
      io.out(
        `Unlocked user ${result.userId} in realm ${account.realm} on ${target.description}: ${
          result.wasLocked ? 'the lock was lifted' : 'it was not locked'
        }, failure counters cleared${result.reactivated ? ', account made active again' : ''}.\n`,
      );
      return 0;
    }

    const user = await new UserRepository(target.store).findByUserName(account.realm, account.userName);
    if (!user) throw new UserNotFoundError();
    if (!parsed.yes) {
      const answer = await io.ask(
        `Erase user ${user.id} ("${account.userName}", realm ${account.realm}) and everything tied to it on ${target.description}? This cannot be undone. Type the username to confirm: `,
      );
      if (answer?.trim() !== account.userName) {
        await record({ userId: user.id, outcome: 'declined' });
        io.err('admin: not confirmed; nothing was changed.\n');
        return 1;
      }
    }
    const iproov = await target.iproov();
    const result = await eraseUser(
      {
        store: target.store,
        ...(target.proofs ? { proofs: target.proofs } : {}),
        ...(iproov ? { iproov } : {}),
      },
      account,
    );
    await record({ userId: result.userId, outcome: 'erased', counts: { ...result.counts } });
    const lines = Object.entries(result.counts).map(([name, count]) => `  ${name.padEnd(18)} ${count}`);
    io.out(
      [
        `Erased user ${result.userId} from realm ${account.realm} on ${target.description}:`,
        ...lines,
        ...(iproov ? [] : ['  (iProov is not configured there: no enrolment to erase)']),
        ...(target.proofs ? [] : ['  (no proof store there: no proof archives to erase)']),
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof UserNotFoundError) {
      await record({ outcome: 'not-found' });
      io.err(
        `admin: no user "${account.userName}" in realm ${account.realm} on ${target.description}; nothing was changed.\n`,
      );
      return 1;
    }
    await record({ outcome: 'failed', error: error instanceof Error ? error.name : 'Error' });
    io.err(
      `admin: ${command} failed: ${error instanceof Error ? error.message : String(error)}${
        command === 'delete-user'
          ? '\nWhat was erased stays erased; run the same command again to finish.'
          : ''
      }\n`,
    );
    return 1;
  } finally {
    target.store.doc.destroy();
  }
}

async function ask(question: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const closed = new Promise<undefined>((done) => rl.once('close', () => done(undefined)));
  try {
    return await Promise.race([rl.question(question), closed]);
  } finally {
    rl.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    ask,
    env: process.env,
  });
  process.exitCode = code;
}
