import { apiConfigFromEnv } from '../api/config.js';
import { StepFunctionsEngine } from '../engine/aws.js';
import { JourneyService } from '../engine/journeys.js';
import { requireEnv } from '../shared/env.js';
import { storeFromEnv } from '../store/dynamo.js';
import { IpaSessionRepository } from '../store/ipa-sessions.js';
import { SessionRepository } from '../store/sessions.js';
import { TransactionRepository } from '../store/transactions.js';
import { UserRepository } from '../store/users.js';
import { createIdemiaWebhookHandler } from './idemia.js';

const store = storeFromEnv();

/** Lambda entry point of the vendor webhooks (`/webhooks/…`) on AWS. */
export const handler = createIdemiaWebhookHandler({
  ipaSessions: new IpaSessionRepository(store),
  applicationId: requireEnv('IDEMIA_APPLICATION_ID'),
  journeys: new JourneyService({
    engine: StepFunctionsEngine.fromEnv(),
    transactions: new TransactionRepository(store),
    sessions: new SessionRepository(store),
    users: new UserRepository(store),
    config: apiConfigFromEnv(),
  }),
});
