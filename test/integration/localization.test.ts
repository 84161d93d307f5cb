import { describe, expect, it } from 'vitest';
import { authenticateUrl, output, PASSWORD, post, register, type Step, uniqueName } from './am-client.js';

/** Starts a journey as a client whose Accept-Language is `language`. */
async function startIn(journey: string, language: string): Promise<Step> {
  const reply = await post<Step>(authenticateUrl(journey), undefined, { 'Accept-Language': language });
  expect(reply.status).toBe(200);
  return reply.body;
}

const prompts = (step: Step): unknown[] => step.callbacks.map((c) => output(c, 'prompt'));
/** The step's texts for the user: header, description, every prompt and message; never the names clients read. */
const texts = (step: Step) => ({
  header: step.header,
  description: step.description,
  prompts: prompts(step),
  messages: step.callbacks.filter((c) => c.type === 'TextOutputCallback').map((c) => output(c, 'message')),
});

describe('localized steps (Accept-Language; LOCALES, default en,fr, the first the fallback)', () => {
  it('gives Login’s Sign In step in English and in French, with the same callbacks', async () => {
    const en = await startIn('Login', 'en-GB,en;q=0.9');
    const fr = await startIn('Login', 'fr-FR, fr;q=0.9, en;q=0.5');

    expect(texts(en)).toEqual({
      header: 'Sign In',
      description: expect.stringContaining('Create an account'),
      prompts: ['Username', 'Password'],
      messages: [],
    });
    expect(texts(fr)).toEqual({
      header: 'Connexion',
      description: expect.stringContaining('Créer un compte'),
      prompts: ['Nom d’utilisateur', 'Mot de passe'],
      messages: [],
    });
    // Clients read types, input names and policies: the same in every language.
    const shape = (step: Step) =>
      step.callbacks.map((c) => [c.type, c.input.map((i) => i.name), output(c, 'policies')]);
    expect(shape(fr)).toEqual(shape(en));
  });

  it('answers an unknown locale (de) in the first configured one (en)', async () => {
    const de = await startIn('Login', 'de-DE, de;q=0.9');
    const none = await startIn('Login', '*');

    expect(texts(de)).toMatchObject({ header: 'Sign In', prompts: ['Username', 'Password'] });
    expect(texts(none)).toMatchObject({ header: 'Sign In', prompts: ['Username', 'Password'] });
  });

  it('takes the client’s most preferred language that is configured: de first, then fr → French', async () => {
    const step = await startIn('Login', 'de-DE, de;q=0.9, fr;q=0.8, en;q=0.5');

    expect(texts(step)).toMatchObject({
      header: 'Connexion',
      prompts: ['Nom d’utilisateur', 'Mot de passe'],
    });
  });

  it('gives the failure message a node leaves for the page in the client’s language', async () => {
    const userName = uniqueName();
    await register(userName);
    const step = await startIn('Login', 'fr');
    const [username, password] = step.callbacks;
    username!.input[0]!.value = userName;
    password!.input[0]!.value = `${PASSWORD}-wrong`;

    const reply = await post<Step>(authenticateUrl('Login'), step, { 'Accept-Language': 'fr' });

    expect(reply.status).toBe(200);
    expect(texts(reply.body)).toEqual({
      header: 'Connexion',
      description: expect.stringContaining('Mot de passe oublié'),
      prompts: [undefined, 'Nom d’utilisateur', 'Mot de passe'],
      messages: ['Nom d’utilisateur ou mot de passe incorrect.'],
    });
  });

  it('gives Registration’s attribute prompts in French, their attribute names unchanged', async () => {
    const en = await startIn('Registration', 'en');
    const fr = await startIn('Registration', 'fr-CA');

    expect(fr.header).toBe('Ouvrir un compte');
    expect(prompts(fr)).toEqual(expect.arrayContaining(['Prénom', 'Nom', 'Adresse e-mail', 'Mot de passe']));
    expect(prompts(en)).toEqual(
      expect.arrayContaining(['First Name', 'Last Name', 'Email Address', 'Password']),
    );
    const names = (step: Step) => step.callbacks.map((c) => output(c, 'name'));
    expect(names(fr)).toEqual(names(en));
  });
});
