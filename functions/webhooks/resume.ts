import { InvokeCommand, type LambdaClient } from '../aws/lambda.js';
import type { TransactionStore } from '../contract/ports.js';
import type { JourneyService } from '../engine/journeys.js';
import { logger } from '../shared/logger.js';

/**
 * How a webhook has the waiting journey resumed once the vendor's event is recorded. Webhooks answer first
 * (IPA retries after 1 s on anything but a quick 2XX): the resume runs after the answer — in the background of
 * the embedded runtime's process, or as an asynchronous invocation of the webhook Lambda itself on AWS. A resume
 * that fails or never runs loses nothing: the event is recorded and signalled on the transaction (`signalling`),
 * and the client's next poll acts on it.
 */
export type Resume = (txId: string, event: string) => Promise<void>;

/**
 * Counts the event on the transaction before resuming: polls of a waiting step are answered without running the
 * journey until an event is signalled (issue 10 §3), so the signal is what makes the next poll look. It is
 * written in the webhook's request, after the event itself was recorded (the node reads it) and before the
 * answer; a signal that fails is logged and the resume still runs.
 */
export function signalling(transactions: Pick<TransactionStore, 'signal'>, resume: Resume): Resume {
  return async (txId, event) => {
    try {
      await transactions.signal(txId);
    } catch (error) {
      logger.error(`Signalling ${event} to the journey failed; resuming it anyway`, {
        txId,
        error: error as Error,
      });
    }
    await resume(txId, event);
  };
}

/** Resumes the journey now; failures are logged, never thrown (the event is already recorded). */
export async function resumeAfter(journeys: JourneyService, txId: string, event: string): Promise<void> {
  try {
    const resumed = await journeys.resumeFromEvent(txId);
    logger.info(`Journey resumed by ${event}`, { txId, resumed });
  } catch (error) {
    logger.error(`Resuming the journey after ${event} failed`, { txId, error: error as Error });
  }
}

/** The embedded runtime: resumes in the background; `settle()` waits for those in flight (on stop). */
export function resumeInBackground(journeys: JourneyService): Resume & { settle(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const resume = async (txId: string, event: string): Promise<void> => {
    const running = resumeAfter(journeys, txId, event).finally(() => inFlight.delete(running));
    inFlight.add(running);
  };
  return Object.assign(resume, {
    settle: async (): Promise<void> => {
      await Promise.all([...inFlight]);
    },
  });
}

/** The payload of the webhook Lambda's asynchronous self-invocation. */
export interface ResumeEvent {
  resume: { txId: string; event: string };
}

export function isResumeEvent(event: unknown): event is ResumeEvent {
  const resume = (event as Partial<ResumeEvent> | null)?.resume;
  return typeof resume?.txId === 'string' && typeof resume.event === 'string';
}

/**
 * On AWS: invokes `functionName` (the webhook function itself) asynchronously with a ResumeEvent. Only IAM
 * principals allowed to invoke the function can send one; API Gateway's events never have a top-level `resume`.
 */
export function lambdaResume(lambda: LambdaClient, functionName: string): Resume {
  return async (txId, event) => {
    const payload: ResumeEvent = { resume: { txId, event } };
    try {
      await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(payload)),
        }),
      );
    } catch (error) {
      logger.error(`Scheduling the journey's resume after ${event} failed; the next poll acts on it`, {
        txId,
        error: error as Error,
      });
    }
  };
}
