import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import type { StepResponse } from '../../functions/engine/journeys.js';
import type { Mailer } from '../../functions/providers/messaging/deferred.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { UserRepository } from '../../functions/store/users.js';
import { fill, PASSWORD, type Step, uniqueName } from './am-client.js';
import { journeysWith, tracedStore } from './traced-journeys.js';

/**
 * No account enumeration (issue 11), proved on the response path: ResetPassword's and ForgottenUsername's first
 * steps (the page, then the address) for an address a user has and for one nobody has, on the real ASL, nodes and
 * DynamoDB Local, with the store, the password hasher and the mailer instrumented. The responses (but the authId)
 * must be identical, and so must the work: every DynamoDB command with its table, in order, every hash, every
 * mailer call. What the mail says — or that there is none — is decided off the response path (the mailer).
 */
function harness() {
  const trace: string[] = [];
  const store = tracedStore(trace, 'dynamodb ');
  const passwords: PasswordHasher = {
    async hash(password) {
      trace.push('hash');
      return passwordHasher.hash(password);
    },
    needsRehash: passwordHasher.needsRehash,
    async verify(password, stored) {
      trace.push('hash verify');
      return passwordHasher.verify(password, stored);
    },
    async burn(password) {
      trace.push('hash burn');
      return passwordHasher.burn(password);
    },
  };
  // Records the calls (the response path) and, apart, what they carried (for the test's own sanity check).
  const mailed: Array<{ to: string; text: string } | undefined> = [];
  const mailer: Mailer = {
    async enqueue(message) {
      trace.push('mailer enqueue');
      mailed.push(message ? { to: message.to, text: message.text } : undefined);
    },
  };
  const users = new UserRepository(store);
  const services: NodeServices = {
    clock: systemClock,
    passwords,
    users,
    attempts: new AttemptRepository(store),
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv({})),
    mailer,
    uiBaseUrl: 'https://app.example',
  };
  const journeys = journeysWith(store, services);
  return { journeys, users, trace, mailed };
}

type Harness = ReturnType<typeof harness>;

const stepOf = (response: StepResponse): Step => {
  if (response.type !== 'step') throw new Error(`expected a step, got ${JSON.stringify(response)}`);
  const { type: _type, ...step } = response;
  return step as Step;
};

/** A response without its authId (a fresh secret on every step). */
const withoutAuthId = (response: StepResponse): unknown => ({ ...response, authId: undefined });

/** The journey's first two steps for `mail`: each step's response and the work done on its path. */
async function firstSteps(h: Harness, journey: string, mail: string) {
  const request = { clientIp: '192.0.2.7', locale: 'en' };
  h.trace.length = 0;
  const page = await h.journeys.start(journey, 'alpha', request);
  const pageWork = [...h.trace];
  h.trace.length = 0;
  const suspended = await h.journeys.submit('alpha', journey, fill(stepOf(page), { mail }), request);
  const mailWork = [...h.trace];
  return {
    responses: [withoutAuthId(page), withoutAuthId(suspended)],
    work: { page: pageWork, mail: mailWork },
  };
}

describe.each(['ResetPassword', 'ForgottenUsername'])(
  '%s: no account enumeration on the response path',
  (journey) => {
    it('answers a known and an unknown address identically, with the same store operations, hashes and mailer calls', async () => {
      const h = harness();
      const userName = uniqueName('enum');
      await h.users.create(
        'alpha',
        { userName, mail: `${userName}@example.com` },
        await passwordHasher.hash(PASSWORD),
      );
      const nobody = `${uniqueName('nobody')}@example.com`;

      // Warm both paths once (first-use work such as loading a journey is not the account's doing).
      await firstSteps(h, journey, `${userName}@example.com`);
      await firstSteps(h, journey, nobody);
      h.mailed.length = 0;
      const known = await firstSteps(h, journey, `${userName}@example.com`);
      const unknown = await firstSteps(h, journey, nobody);

      expect(unknown.responses).toEqual(known.responses);
      expect(unknown.work).toEqual(known.work);
      // The trace is the real work: the user look-up, the read of the user to mail, the transaction's write,
      // the mailer's one call each.
      expect(known.work.mail.filter((op) => op.endsWith(' Users'))).not.toEqual([]);
      expect(known.work.mail.filter((op) => op.endsWith(' Transactions'))).not.toEqual([]);
      expect(known.work.mail.filter((op) => op === 'mailer enqueue')).toHaveLength(1);
      // What differs is what the mailer got, which it sends off the response path.
      expect(h.mailed).toEqual([
        { to: `${userName}@example.com`, text: expect.stringContaining(userName) },
        undefined,
      ]);
    });
  },
);
