import { commonNodeServices, identityNodeServices } from '../composition/nodes.js';
import type { JourneyContext, NodeInvocation } from '../contract/journey.js';

import { deliverMail, isMailEvent, type MailEvent } from '../providers/messaging/deferred.js';
import { SesEmail } from '../providers/messaging/ses.js';
import { optionalEnv } from '../shared/env.js';
import { passwordHasher } from '../store/password-hasher.js';
import { createNodeHandler } from './common.js';

const runNode = createNodeHandler((env) => ({
  ...commonNodeServices(env, { passwords: passwordHasher }),
  ...identityNodeServices(env),
}));
let email: SesEmail | undefined;

/**
 * Lambda entry point of the identity family (Page, username/password, user store, throttles, Email Suspend): no
 * vendor. Also the sender of the emails Email Suspend hands off (its own asynchronous invocations, MailEvent).
 */
export async function handler(event: NodeInvocation | MailEvent): Promise<JourneyContext | undefined> {
  if (isMailEvent(event)) {
    email ??= new SesEmail(optionalEnv('MESSAGING_EMAIL_FROM', process.env));
    await deliverMail(event, email);
    return undefined;
  }
  return runNode(event);
}
