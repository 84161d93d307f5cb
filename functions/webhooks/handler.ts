import type { HttpEvent, HttpResult } from '../api/http.js';
import { webhookDeps } from '../composition/root.js';
import { isResumeEvent, type ResumeEvent, resumeAfter } from './resume.js';
import { routeWebhooks } from './router.js';

// Answers the vendor first; the journey is resumed by an asynchronous invocation of this function.
const { journeys, routes } = webhookDeps(process.env);
const route = routeWebhooks(routes);

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
