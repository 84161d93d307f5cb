import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authenticate,
  createdUsers,
  fill,
  PASSWORD,
  post,
  type Reply,
  registrationValues,
  target,
} from './client.js';

/**
 * Login runs ProgressiveProfile as an inner journey (ADR 22): a page step asked inside it reaches the client and
 * resumes inside it — through the target's public API (on cdk-out: the synthesized state machines, IAM enforced).
 * A user who opted in to marketing is asked for consent at the third sign-in.
 */
async function signIn(userName: string): Promise<Reply> {
  const start = await post(authenticate('Login'));
  return post(authenticate('Login'), fill(start.body, [userName, PASSWORD]));
}

describe.skipIf(!target.baseUrl)(`ProgressiveProfile inside Login on ${target.name}`, () => {
  it('asks for consent at the third sign-in of a marketing opt-in, inside Login, then signs in', async () => {
    const userName = `e2e-progress-${randomBytes(4).toString('hex')}`;
    createdUsers.add(userName);
    const start = await post(authenticate('Registration'));
    const values = registrationValues(userName, 'Edith', 'Clarke');
    values[4] = true; // marketing
    const registered = await post(authenticate('Registration'), fill(start.body, values));
    expect(registered.body.tokenId).toBeTruthy();

    // The registration counts as the first sign-in (Increment Login Count); the second asks nothing more; the
    // third asks for consent.
    expect((await signIn(userName)).body.tokenId).toBeTruthy();
    const reply = await signIn(userName);
    // The step ProgressiveProfile asks, given to the client by Login.
    expect(reply.status).toBe(200);
    const types = (reply.body.callbacks ?? []).map((c) => c.type);
    expect(types).toContain('ConsentMappingCallback');
    const consented = await post(
      authenticate('Login'),
      fill(
        reply.body,
        (reply.body.callbacks ?? []).map((c) => (c.type === 'ConsentMappingCallback' ? true : undefined)),
      ),
    );
    expect(consented.status).toBe(200);
    expect(consented.body.tokenId).toBeTruthy();
  });
});
