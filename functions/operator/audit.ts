import { appendFile } from 'node:fs/promises';
import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The audit trail of operator actions (ADR 12): one structured JSON line per action — who, what, when, the
 * outcome — that never carries PII. The user is referred to by their id (a random UUID, which says nothing about
 * the person and cannot be turned back into a name), never by username or mail.
 */
export type OperatorCommand = 'unlock' | 'delete-user';

export type AuditOutcome = 'unlocked' | 'erased' | 'not-found' | 'declined' | 'failed';

export interface AuditEntry {
  /** The operator: `os:<login>` locally, the caller's IAM ARN (`sts:GetCallerIdentity`) on AWS. */
  actor: string;
  command: OperatorCommand;
  /** `local` or the CloudFormation stack name. */
  target: string;
  realm: string;
  /** The user's id; absent when no user was found. */
  userId?: string;
  outcome: AuditOutcome;
  /** What was changed, by kind of item (no values). */
  counts?: Record<string, number | boolean>;
  /** Why an action failed: the error's name only (messages may quote input). */
  error?: string;
}

/** Always INFO, whatever POWERTOOLS_LOG_LEVEL says: an audit line is never filtered out. */
const auditLogger = new Logger({ serviceName: 'proofline-operator', logLevel: 'INFO' });

/**
 * Writes the audit line to the structured log (stdout: `{"message": "operator action", "audit": {…}}`) and, when
 * `file` is given, appends the same record as one JSON line to it (created 0600). Returns the record.
 */
export async function audit(
  entry: AuditEntry,
  options: { file?: string; now?: Date } = {},
): Promise<AuditEntry & { timestamp: string }> {
  const record = { timestamp: (options.now ?? new Date()).toISOString(), ...entry };
  auditLogger.info('operator action', { audit: record });
  if (options.file) {
    // The same record under the same keys as the log line, so that one parser reads both.
    const line = { level: 'INFO', message: 'operator action', service: 'proofline-operator', audit: record };
    await appendFile(options.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }
  return record;
}
