import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for the service. Never log secrets, passwords, tokens or PII. */
export const logger = new Logger({ serviceName: 'proofline' });
