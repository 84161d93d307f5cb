import { apiDeps } from '../composition/root.js';
import { createApiHandler } from './app.js';

/** Lambda entry point of the callbacks API on AWS: journeys run as synchronous EXPRESS executions. */
export const handler = createApiHandler(apiDeps(process.env));
