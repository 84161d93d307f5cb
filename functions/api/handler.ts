import { StepFunctionsEngine } from '../engine/aws.js';
import { JourneyService } from '../engine/journeys.js';
import { storeFromEnv } from '../store/dynamo.js';
import { SessionRepository } from '../store/sessions.js';
import { TransactionRepository } from '../store/transactions.js';
import { UserRepository } from '../store/users.js';
import { createApiHandler } from './app.js';
import { apiConfigFromEnv } from './config.js';

const store = storeFromEnv();
const config = apiConfigFromEnv();
const sessions = new SessionRepository(store);

/** Lambda entry point of the callbacks API on AWS: journeys run as synchronous EXPRESS executions. */
export const handler = createApiHandler({
  journeys: new JourneyService({
    engine: StepFunctionsEngine.fromEnv(),
    transactions: new TransactionRepository(store),
    sessions,
    users: new UserRepository(store),
    config,
  }),
  sessions,
  config,
});
