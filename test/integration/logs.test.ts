import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import { fill, PASSWORD, registrationValues, type Step, uniqueName } from './am-client.js';
import { captureOutput } from './capture-output.js';

/**
 * Runs journeys on a runtime of its own, at DEBUG level, capturing everything written to stdout/stderr,
 * and checks that no secret or personal data reaches the logs.
 */
describe('logs', () => {
  let runtime: Runtime;
  let output: ReturnType<typeof captureOutput> | undefined;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const { startRuntime } = await import('../../infra/local/runtime.js');
    runtime = await startRuntime({ port: 0 });
    output = captureOutput();
  });

  afterAll(async () => {
    output?.restore();
    await runtime?.stop();
  });

  const post = async (journey: string, body?: unknown): Promise<Step & { tokenId?: string }> => {
    const response = await fetch(
      `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      },
    );
    return (await response.json()) as Step & { tokenId?: string };
  };

  it('carry ids and events, never passwords, tokens, authIds or profile data', async () => {
    const userName = uniqueName('logs');
    const values = registrationValues(userName, { givenName: 'Zebedee', sn: 'Quaxworth' });
    const registered = await post('Registration', fill(await post('Registration'), values));
    const wrong = await post(
      'Login',
      fill(await post('Login'), { Username: userName, Password: 'Wrong-Passw0rd' }),
    );
    const signedIn = await post('Login', fill(wrong, { Username: userName, Password: PASSWORD }));

    // Identity proofing: the document's data and the webhook key must not reach the logs either.
    const proofingStart = await post('IdentityProofing');
    const choice = await post(
      'IdentityProofing',
      fill(proofingStart, { Username: userName, Password: PASSWORD }),
    );
    (choice.callbacks[0]?.input[0] as { value: unknown }).value = 0;
    const waiting = await post('IdentityProofing', choice);
    const ipaUrl = waiting.callbacks.find((c) => c.type === 'HiddenValueCallback')?.output[0]
      ?.value as string;
    const sessionId = new URL(ipaUrl).searchParams.get('session-id') as string;
    const completed = await runtime.idemiaSandbox?.complete(sessionId, 'verified', {
      identity: {
        givenNames: 'Zebedee',
        surname: 'Quaxworth',
        birthDate: '1901-02-03',
        documentNumber: 'DOC-987654',
      },
    });
    const face = await post('IdentityProofing', waiting);
    const metadata = face.callbacks.find((c) => c.type === 'MetadataCallback')?.output[0]?.value as {
      iproov: { token: string; resultsUrl: string };
    };
    runtime.iproovSandbox?.scan(metadata.iproov.token, 'passed');
    const hidden = face.callbacks.find((c) => c.type === 'HiddenValueCallback');
    (hidden?.input[0] as { value: unknown }).value = 'passed';
    const proofed = await post('IdentityProofing', face);
    const webhookKey = completed?.callbackUrl?.split('/').pop() as string;

    const logs = (output?.captured ?? []).join('');
    expect(proofed.tokenId).toEqual(expect.any(String));
    expect(logs).toContain('"message":"IDEMIA notification"');
    for (const secret of ['1901-02-03', 'DOC-987654', webhookKey]) expect(logs).not.toContain(secret);
    // The iProov token and the results-webhook key are credentials too.
    expect(logs).toContain('"message":"iProov result"');
    for (const secret of [metadata.iproov.token, metadata.iproov.resultsUrl.split('/').pop() as string]) {
      expect(logs).not.toContain(secret);
    }
    expect(registered.tokenId).toEqual(expect.any(String));
    expect(signedIn.tokenId).toEqual(expect.any(String));
    expect(logs).toContain('"message":"Journey succeeded"');
    for (const secret of [
      PASSWORD,
      'Wrong-Passw0rd',
      'Zebedee',
      'Quaxworth',
      `${userName}@example.com`,
      userName,
    ]) {
      expect(logs).not.toContain(secret);
    }
    for (const token of [registered.tokenId!, signedIn.tokenId!, wrong.authId.split('.')[1]!]) {
      expect(logs).not.toContain(token);
    }
  });
});
