import { InvokeCommand, type LambdaClient } from '../../aws/lambda.js';
import { logger } from '../../shared/logger.js';
import type { EmailMessage, MessagingPort } from './port.js';

/**
 * Email handed to a background sender, off the response path (issue 11: no account enumeration). A node that
 * mails only when an account exists (Email Suspend) calls `enqueue` in both cases — with the message, or with
 * `undefined` — so the work on the response path, and its time, are the same: the send itself happens after.
 */
export interface Mailer {
  enqueue(message: EmailMessage | undefined): Promise<void>;
}

/** The embedded runtime: sends in the background of the process; `settle()` waits for those in flight. */
export function backgroundMailer(messaging: MessagingPort): Mailer & { settle(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  return {
    async enqueue(message) {
      const sending: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => (message ? messaging.sendEmail(message) : undefined))
        .catch((error: unknown) => logger.error('Sending a queued email failed', { error: error as Error }))
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async settle() {
      await Promise.all([...inFlight]);
    },
  };
}

/** The payload of a node function's asynchronous self-invocation that sends an email. */
export interface MailEvent {
  mail: EmailMessage | null;
}

export function isMailEvent(event: unknown): event is MailEvent {
  return typeof event === 'object' && event !== null && 'mail' in event && !('node' in event);
}

/**
 * On AWS: an asynchronous invocation (`Event`) of the node function itself, with the message or `null` — the
 * same call either way; the invoked function sends it (`deliverMail`). Only principals allowed to invoke the
 * function can send one.
 */
export function lambdaMailer(lambda: LambdaClient, functionName: string): Mailer {
  return {
    async enqueue(message) {
      const payload: MailEvent = { mail: message ?? null };
      await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(payload)),
        }),
      );
    },
  };
}

/** Sends what a MailEvent carries (nothing for `null`). */
export async function deliverMail(
  event: MailEvent,
  messaging: Pick<MessagingPort, 'sendEmail'>,
): Promise<void> {
  if (event.mail) await messaging.sendEmail(event.mail);
}
