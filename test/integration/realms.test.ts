import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import {
  authenticateUrl,
  baseUrl,
  fill,
  output,
  PASSWORD,
  post,
  type AmReply as Reply,
  registrationValues,
  type Step,
  uniqueName,
} from './am-client.js';
import { completeProfile } from './complete-users.js';
import { writeLegacyUser } from './legacy-users.js';
import { testStore } from './test-store.js';

type AmReply = Reply & { realm?: string };

/**
 * Realm isolation and username normalization (ADR 11), over HTTP on the embedded runtime: a user belongs to
 * the realm it registered in; look-alike spellings of a name are one name or refused.
 */
type Realm = 'root' | 'alpha';

const urlOf = (journey: string, realm: Realm): string =>
  realm === 'root'
    ? `${baseUrl()}/json/realms/root/authenticate?authIndexType=service&authIndexValue=${journey}`
    : authenticateUrl(journey, realm);

async function startIn(journey: string, realm: Realm): Promise<Step> {
  const reply = await post<Step>(urlOf(journey, realm));
  expect(reply.status).toBe(200);
  return reply.body;
}

async function registerIn(realm: Realm, userName: string, password = PASSWORD) {
  const step = await startIn('Registration', realm);
  return post<AmReply>(
    urlOf('Registration', realm),
    fill(step, registrationValues(userName, { Password: password, mail: `${randomUUID()}@example.com` })),
  );
}

async function loginIn(realm: Realm, userName: string, password = PASSWORD) {
  const step = await startIn('Login', realm);
  return post<AmReply>(urlOf('Login', realm), fill(step, { Username: userName, Password: password }));
}

const usernameFailures = (reply: { body: AmReply }): unknown[] => {
  const callback = reply.body.callbacks?.find((c) => c.type === 'ValidatedCreateUsernameCallback');
  return ((callback ? output(callback, 'failedPolicies') : undefined) as string[] | undefined)?.map((p) =>
    JSON.parse(p),
  ) as unknown[];
};

/** A user as stored before ADR 11: guard `userName#<lower>`, and no realm on the user item. */
async function legacyUser(userName: string): Promise<void> {
  const store = testStore();
  await writeLegacyUser(store, userName, await passwordHasher.hash(PASSWORD), await completeProfile());
}

describe('realm isolation', () => {
  it('does not sign a user of alpha in through root, and lets root have its own user of that name', async () => {
    const userName = uniqueName('realm');
    expect((await registerIn('alpha', userName)).body.tokenId).toEqual(expect.any(String));

    const inRoot = await loginIn('root', userName);
    const registeredInRoot = await registerIn('root', userName, 'Other-Passw0rd');
    const rootWithAlphaPassword = await loginIn('root', userName);
    const rootWithItsOwn = await loginIn('root', userName, 'Other-Passw0rd');
    const alphaWithRootPassword = await loginIn('alpha', userName, 'Other-Passw0rd');
    const alpha = await loginIn('alpha', userName);

    expect(inRoot.status).toBe(200);
    expect(inRoot.body.tokenId).toBeUndefined();
    expect(registeredInRoot.body.tokenId).toEqual(expect.any(String));
    expect(rootWithAlphaPassword.body.tokenId).toBeUndefined();
    expect(rootWithItsOwn.body).toMatchObject({ tokenId: expect.any(String), realm: '/' });
    expect(alphaWithRootPassword.body.tokenId).toBeUndefined();
    expect(alpha.body).toMatchObject({ tokenId: expect.any(String), realm: '/alpha' });
  });

  it('refuses a session of alpha in root, and an authId of alpha in root', async () => {
    const userName = uniqueName('realm');
    const token = (await registerIn('alpha', userName)).body.tokenId as string;
    const sessions = (realm: string) =>
      realm === 'root'
        ? `${baseUrl()}/json/realms/root/sessions?_action=validate`
        : `${baseUrl()}/json/realms/root/realms/${realm}/sessions?_action=validate`;

    const inRoot = await post(sessions('root'), { tokenId: token });
    const inAlpha = await post(sessions('alpha'), { tokenId: token });
    const step = await startIn('Login', 'alpha');
    const submittedToRoot = await post<AmReply>(
      urlOf('Login', 'root'),
      fill(step, { Username: userName, Password: PASSWORD }),
    );

    expect(inRoot.body).toEqual({ valid: false });
    expect(inAlpha.body).toMatchObject({ valid: true, uid: userName });
    expect(submittedToRoot.status).toBe(401);
    expect(submittedToRoot.body.tokenId).toBeUndefined();
  });

  it('keeps legacy users (no realm, old guard) in the legacy realm alpha, and only there', async () => {
    const userName = uniqueName('Legacy');
    await legacyUser(userName);

    const inAlpha = await loginIn('alpha', userName.toLowerCase());
    const inRoot = await loginIn('root', userName);
    const takenInAlpha = await registerIn('alpha', userName.toUpperCase());
    const fullwidthInAlpha = await registerIn(
      'alpha',
      userName.replace(/[a-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! - 0x61 + 0xff41)),
    );
    const inRootAllowed = await registerIn('root', userName);

    expect(inAlpha.body).toMatchObject({ tokenId: expect.any(String), realm: '/alpha' });
    expect(inRoot.body.tokenId).toBeUndefined();
    expect(takenInAlpha.body.tokenId).toBeUndefined();
    expect(usernameFailures(takenInAlpha)).toEqual([{ policyRequirement: 'UNIQUE' }]);
    expect(usernameFailures(fullwidthInAlpha)).toEqual([{ policyRequirement: 'UNIQUE' }]);
    expect(inRootAllowed.body.tokenId).toEqual(expect.any(String));
    // The root user has its own password; the legacy user still signs in in alpha with theirs.
    expect((await loginIn('alpha', userName)).body.realm).toBe('/alpha');
  });
});

describe('username normalization', () => {
  const fullwidth = (name: string): string =>
    name.replace(/[a-z0-9]/g, (c) =>
      String.fromCodePoint(c.codePointAt(0)! + (c >= 'a' ? 0xff41 - 0x61 : 0xff10 - 0x30)).toUpperCase(),
    );

  it('maps a fullwidth spelling to the same account, for registration and sign-in', async () => {
    const userName = uniqueName('nf');
    const wide = fullwidth(userName);
    expect(wide).not.toBe(userName);
    await registerIn('alpha', userName);

    const again = await registerIn('alpha', wide);
    const signedInWide = await loginIn('alpha', wide);

    expect(again.body.tokenId).toBeUndefined();
    expect(usernameFailures(again)).toEqual([{ policyRequirement: 'UNIQUE' }]);
    expect(signedInWide.body.tokenId).toEqual(expect.any(String));
  });

  it('registers ＡＬＩＣＥ and signs in as alice', async () => {
    const suffix = uniqueName('').slice(1);
    const wide = `ＡＬＩＣＥ${fullwidth(suffix)}`;

    const registered = await registerIn('alpha', wide);
    const plain = await loginIn('alpha', `alice${suffix}`);

    expect(registered.body.tokenId).toEqual(expect.any(String));
    expect(plain.body.tokenId).toEqual(expect.any(String));
  });

  it.each([
    ['a zero-width space', (name: string) => `${name.slice(0, 3)}\u200B${name.slice(3)}`, 'U+200B'],
    ['a right-to-left override', (name: string) => `\u202E${[...name].reverse().join('')}`, 'U+202E'],
    ['a word joiner', (name: string) => `${name}\u2060`, 'U+2060'],
  ])('refuses a username with %s at registration', async (_name, disguise, codePoint) => {
    const userName = uniqueName('cf');
    await registerIn('alpha', userName);

    const reply = await registerIn('alpha', disguise(userName));

    expect(reply.status).toBe(200);
    expect(reply.body.tokenId).toBeUndefined();
    expect(usernameFailures(reply)).toEqual([
      {
        policyRequirement: 'CANNOT_CONTAIN_CHARACTERS',
        params: { forbiddenChars: [codePoint], forbiddenCategories: ['Cc', 'Cf'] },
      },
    ]);
  });
});
