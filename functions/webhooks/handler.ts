import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { apiConfigFromEnv } from '../api/config.js';
import type { HttpEvent, HttpResult } from '../api/http.js';
import { StepFunctionsEngine } from '../engine/aws.js';
import { JourneyService } from '../engine/journeys.js';
import { optionalEnv, requireEnv } from '../shared/env.js';
import { storeFromEnv } from '../store/dynamo.js';
import { IpaSessionRepository } from '../store/ipa-sessions.js';
import { IproovClaimRepository } from '../store/iproov-claims.js';
import { SessionRepository } from '../store/sessions.js';
import { TransactionRepository } from '../store/transactions.js';
import { UserRepository } from '../store/users.js';
import { createIdemiaWebhookHandler } from './idemia.js';
import { createIproovWebhookHandler } from './iproov.js';
import { isResumeEvent, lambdaResume, type ResumeEvent, resumeAfter } from './resume.js';
import { routeWebhooks } from './router.js';

const store = storeFromEnv();
const journeys = new JourneyService({
  engine: StepFunctionsEngine.fromEnv(),
  transactions: new TransactionRepository(store),
  sessions: new SessionRepository(store),
  users: new UserRepository(store),
  config: apiConfigFromEnv(),
});
// Answer the vendor first; the journey is resumed by an asynchronous invocation of this function.
const resume = lambdaResume(new LambdaClient({}), requireEnv('AWS_LAMBDA_FUNCTION_NAME'));
const applicationId = optionalEnv('IDEMIA_APPLICATION_ID');
const idemia = applicationId
  ? createIdemiaWebhookHandler({ ipaSessions: new IpaSessionRepository(store), applicationId, resume })
  : undefined;
const iproov = createIproovWebhookHandler({ claims: new IproovClaimRepository(store), resume });

const route = routeWebhooks({
  ...(idemia ? { idemia: (event) => idemia(event, {} as Context) } : {}),
  iproov: (event) => iproov(event, {} as Context),
});

/**
 * Lambda entry point of the vendor webhooks (`/webhooks/…`) on AWS, and of the resumes they schedule (its own
 * asynchronous invocations).
 */
export async function handler(event: HttpEvent | ResumeEvent): Promise<HttpResult | undefined> {
  if (isResumeEvent(event)) {
    await resumeAfter(journeys, event.resume.txId, event.resume.event);
    return undefined;
  }
  return route(event);
}
