// Proofline's hosted pages (served at /pages/app.js with the page's CSP nonce; no inline script, no framework).
// `/` runs a journey through AM's callbacks API and renders each step; `/enduser/` signs out. ADR 23.

const settings = JSON.parse(document.querySelector('meta[name=proofline]')?.content ?? '{}');
const lang = (document.documentElement.lang || navigator.language || 'en').toLowerCase().startsWith('fr')
  ? 'fr'
  : 'en';

const TEXT = {
  en: {
    next: 'Next',
    working: 'Please wait…',
    startAgain: 'Start again',
    tryAgain: 'Try again',
    signIn: 'Sign in',
    createAccount: 'Create an account',
    verifyIdentity: 'Verify your identity',
    forgotPassword: 'Forgot your password?',
    forgotUsername: 'Forgot your user name?',
    entryPoints: 'What would you like to do?',
    titles: {
      Login: 'Sign in',
      Registration: 'Create an account',
      IdentityProofing: 'Verify your identity',
      IProovLogin: 'Sign in with your face',
      ResetPassword: 'Reset your password',
      ForgottenUsername: 'Find your user name',
      UpdatePassword: 'Change your password',
      ProgressiveProfile: 'Complete your profile',
    },
    loginFailure:
      'We could not sign you in. Check your user name and password and try again. After several failed attempts the account is locked: resetting your password unlocks it.',
    journeyFailure: 'This could not be completed. You can start again.',
    expired: 'This page has expired, so we started again.',
    linkInvalid: 'This link is invalid, expired or has already been used. You can start again.',
    tooMany: (s) => `Too many attempts. Wait ${s} seconds, then try again.`,
    unavailable: 'The service is unavailable at the moment. Try again in a moment.',
    offline: 'We could not reach the service. Check your connection and try again.',
    badRequest: (m) => `Something went wrong: ${m}`,
    needsSignIn: 'Sign in first to do this.',
    signedOut: 'You have signed out.',
    success: 'Done. Taking you to your account…',
    leaving: 'Taking you to the verification service…',
    fixThese: 'Please correct the following:',
    requirements: 'Requirements:',
    question: 'Security question',
    ownQuestion: 'Write your own question…',
    yourQuestion: 'Your question',
    answer: 'Answer',
    choose: 'Choose a question',
    terms: 'Terms and conditions',
    termsVersion: (v) => `Version ${v}`,
    acceptTerms: 'I accept the terms and conditions',
    consentAgree: 'I agree to share this information',
    consentRequired: 'Required to continue.',
    // Profile attributes a consent shares, in words (others are shown as they are named).
    attributes: {
      userName: 'User name',
      givenName: 'First name',
      sn: 'Last name',
      mail: 'Email address',
      telephoneNumber: 'Phone number',
      preferences: 'Preferences',
    },
    qrAlt: 'QR code to scan with your phone',
    openHere: 'Open the link on this device',
    openHereOr: 'Or open the link on this device',
    checkEmail: 'Check your inbox, then follow the link in the message.',
    face: 'Face check',
    faceSandbox: 'Local sandbox: choose what your face scan does.',
    facePass: 'Pass',
    faceFail: 'Fail',
    faceCancel: 'Cancel',
    faceError: 'Error',
    faceOther: 'Scan on another device',
    faceDone: 'Done on the other device',
    faceStart: 'Start the face scan',
    faceUnavailable: 'This step needs iProov’s face scan, which is not available on this page.',
    policies: {
      REQUIRED: () => 'Required',
      MIN_LENGTH: (p) => `At least ${p.minLength} characters`,
      MAX_LENGTH: (p) => `At most ${p.maxLength} characters`,
      VALID_TYPE: () => 'A value of the right type',
      UNIQUE: () => 'Not already in use (this one is taken)',
      CANNOT_CONTAIN_CHARACTERS: (p) =>
        p.forbiddenCategories
          ? `No invisible characters${p.forbiddenChars ? ` (found ${p.forbiddenChars.join(', ')})` : ''}`
          : `None of these characters: ${(p.forbiddenChars ?? []).join(' ')}`,
      VALID_EMAIL_ADDRESS_FORMAT: () => 'A valid email address, like name@example.com',
      VALID_PHONE_FORMAT: () => 'An international phone number, like +447700900123',
      AT_LEAST_X_CAPITAL_LETTERS: (p) =>
        p.numCaps === 1 ? 'At least one capital letter' : `At least ${p.numCaps} capital letters`,
      AT_LEAST_X_NUMBERS: (p) => (p.numNums === 1 ? 'At least one digit' : `At least ${p.numNums} digits`),
      CANNOT_CONTAIN_OTHERS: (p) => `Must not contain your ${fieldNames(p.disallowedFields)}`,
    },
    fields: { userName: 'user name', givenName: 'first name', sn: 'last name', mail: 'email address' },
    or: 'or',
  },
  fr: {
    next: 'Continuer',
    working: 'Veuillez patienter…',
    startAgain: 'Recommencer',
    tryAgain: 'Réessayer',
    signIn: 'Se connecter',
    createAccount: 'Créer un compte',
    verifyIdentity: 'Vérifier votre identité',
    forgotPassword: 'Mot de passe oublié ?',
    forgotUsername: "Nom d'utilisateur oublié ?",
    entryPoints: 'Que souhaitez-vous faire ?',
    titles: {
      Login: 'Se connecter',
      Registration: 'Créer un compte',
      IdentityProofing: 'Vérifier votre identité',
      IProovLogin: 'Se connecter avec votre visage',
      ResetPassword: 'Réinitialiser votre mot de passe',
      ForgottenUsername: "Retrouver votre nom d'utilisateur",
      UpdatePassword: 'Changer votre mot de passe',
      ProgressiveProfile: 'Compléter votre profil',
    },
    loginFailure:
      "Connexion impossible. Vérifiez votre nom d'utilisateur et votre mot de passe, puis réessayez. Après plusieurs échecs, le compte est verrouillé : réinitialiser votre mot de passe le déverrouille.",
    journeyFailure: "L'opération n'a pas pu aboutir. Vous pouvez recommencer.",
    expired: 'Cette page a expiré : nous avons recommencé.',
    linkInvalid: 'Ce lien est invalide, expiré ou déjà utilisé. Vous pouvez recommencer.',
    tooMany: (s) => `Trop de tentatives. Attendez ${s} secondes, puis réessayez.`,
    unavailable: 'Le service est momentanément indisponible. Réessayez dans un instant.',
    offline: 'Le service est injoignable. Vérifiez votre connexion et réessayez.',
    badRequest: (m) => `Une erreur s'est produite : ${m}`,
    needsSignIn: "Connectez-vous d'abord pour faire ceci.",
    signedOut: 'Vous êtes déconnecté.',
    success: 'Terminé. Redirection vers votre compte…',
    leaving: 'Redirection vers le service de vérification…',
    fixThese: 'Veuillez corriger les points suivants :',
    requirements: 'Exigences :',
    question: 'Question de sécurité',
    ownQuestion: 'Écrire votre propre question…',
    yourQuestion: 'Votre question',
    answer: 'Réponse',
    choose: 'Choisissez une question',
    terms: "Conditions générales d'utilisation",
    termsVersion: (v) => `Version ${v}`,
    acceptTerms: "J'accepte les conditions générales d'utilisation",
    consentAgree: "J'accepte de partager ces informations",
    consentRequired: 'Obligatoire pour continuer.',
    attributes: {
      userName: "Nom d'utilisateur",
      givenName: 'Prénom',
      sn: 'Nom',
      mail: 'Adresse e-mail',
      telephoneNumber: 'Numéro de téléphone',
      preferences: 'Préférences',
    },
    qrAlt: 'Code QR à scanner avec votre téléphone',
    openHere: 'Ouvrir le lien sur cet appareil',
    openHereOr: 'Ou ouvrir le lien sur cet appareil',
    checkEmail: 'Consultez votre messagerie, puis suivez le lien du message.',
    face: 'Vérification du visage',
    faceSandbox: 'Bac à sable local : choisissez le résultat du scan du visage.',
    facePass: 'Réussi',
    faceFail: 'Échoué',
    faceCancel: 'Annuler',
    faceError: 'Erreur',
    faceOther: 'Scanner sur un autre appareil',
    faceDone: "Terminé sur l'autre appareil",
    faceStart: 'Commencer le scan du visage',
    faceUnavailable:
      "Cette étape demande le scan du visage d'iProov, qui n'est pas disponible sur cette page.",
    policies: {
      REQUIRED: () => 'Obligatoire',
      MIN_LENGTH: (p) => `Au moins ${p.minLength} caractères`,
      MAX_LENGTH: (p) => `Au plus ${p.maxLength} caractères`,
      VALID_TYPE: () => 'Une valeur du bon type',
      UNIQUE: () => 'Pas déjà utilisé (celui-ci est pris)',
      CANNOT_CONTAIN_CHARACTERS: (p) =>
        p.forbiddenCategories
          ? `Aucun caractère invisible${p.forbiddenChars ? ` (trouvé : ${p.forbiddenChars.join(', ')})` : ''}`
          : `Aucun de ces caractères : ${(p.forbiddenChars ?? []).join(' ')}`,
      VALID_EMAIL_ADDRESS_FORMAT: () => 'Une adresse e-mail valide, par exemple nom@example.com',
      VALID_PHONE_FORMAT: () => 'Un numéro international, par exemple +33612345678',
      AT_LEAST_X_CAPITAL_LETTERS: (p) =>
        p.numCaps === 1 ? 'Au moins une majuscule' : `Au moins ${p.numCaps} majuscules`,
      AT_LEAST_X_NUMBERS: (p) => (p.numNums === 1 ? 'Au moins un chiffre' : `Au moins ${p.numNums} chiffres`),
      CANNOT_CONTAIN_OTHERS: (p) => `Ne doit pas contenir votre ${fieldNames(p.disallowedFields)}`,
    },
    fields: { userName: "nom d'utilisateur", givenName: 'prénom', sn: 'nom', mail: 'adresse e-mail' },
    or: 'ou',
  },
};
const t = TEXT[lang];

function fieldNames(fields) {
  const list = (Array.isArray(fields) ? fields : String(fields ?? '').split(','))
    .filter(Boolean)
    .map((f) => t.fields[f] ?? f);
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} ${t.or} ${list.at(-1)}` : (list[0] ?? '');
}

const out = (cb, name) => cb.output.find((o) => o.name === name)?.value;
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
};
const main = document.getElementById('main');
let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

/** `/`: the journey app. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SAVED = 'proofline.step';
const REDIRECT = 'proofline.redirect';

function realmOf(value) {
  if (value === null || value === undefined) return 'alpha';
  const realm = value.replace(/^\//, '');
  if (realm === '') return 'root';
  return NAME.test(realm) ? realm : 'alpha';
}

/** `goto` is followed only to this origin's OIDC endpoints (no open redirect). */
function safeGoto(value) {
  if (!value) return undefined;
  try {
    const url = new URL(value, location.href);
    if (url.origin === location.origin && url.pathname.startsWith('/oauth2/')) return url.href;
  } catch {
    // Not a URL: ignored.
  }
  return undefined;
}

const params = new URLSearchParams(location.search);
/** AM's `#/service/<Journey>` links; a malformed escape in the hash is ignored, never a blank page. */
const hashJourney = (() => {
  try {
    return decodeURIComponent(location.hash.replace(/^#(\/service\/)?/, ''));
  } catch {
    return '';
  }
})();
const state = {
  realm: realmOf(params.get('realm')),
  journey:
    [params.get('journey'), params.get('authIndexValue'), hashJourney].find((j) => j && NAME.test(j)) ??
    'Login',
  goto: params.get('goto') ?? undefined,
  step: undefined,
  busy: false,
  renders: 0,
  pollTimer: undefined,
};

function pageUrl(journey = state.journey) {
  const query = new URLSearchParams({ realm: state.realm, journey });
  if (state.goto) query.set('goto', state.goto);
  return `/?${query}`;
}

function apiPath(path) {
  return state.realm === 'root'
    ? `/json/realms/root/${path}`
    : `/json/realms/root/realms/${state.realm}/${path}`;
}

async function call(body, extraQuery = '') {
  const url = `${apiPath('authenticate')}?authIndexType=service&authIndexValue=${encodeURIComponent(state.journey)}${extraQuery}`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        'Accept-API-Version': 'resource=2.1, protocol=1.0',
        'Accept-Language': lang === 'fr' ? 'fr, en;q=0.5' : 'en',
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json().catch(() => ({}));
    return {
      status: response.status,
      body: json,
      retryAfter: Number(response.headers.get('retry-after') ?? 0),
    };
  } catch {
    return { status: 0, body: {} };
  }
}

function save(step) {
  sessionStorage.setItem(
    SAVED,
    JSON.stringify({ journey: state.journey, realm: state.realm, goto: state.goto, step }),
  );
}

function entryNav() {
  const offered = settings.journeys?.length ? settings.journeys : undefined;
  const links = [
    ['Login', t.signIn],
    ['Registration', t.createAccount],
    ['IdentityProofing', t.verifyIdentity],
    ['ResetPassword', t.forgotPassword],
    ['ForgottenUsername', t.forgotUsername],
  ].filter(([journey]) => !offered || offered.includes(journey));
  return el(
    'nav',
    { class: 'entry', 'aria-label': t.entryPoints },
    ...links.map(([journey, label]) =>
      el('a', {
        href: pageUrl(journey),
        text: label,
        'aria-current': journey === state.journey ? 'page' : undefined,
      }),
    ),
  );
}

function message(text, kind = 'error', links = []) {
  const p = el('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  for (const [href, label] of links) p.append(' ', el('a', { href, text: label }));
  return p;
}

function frame(title, ...content) {
  clearTimeout(state.pollTimer);
  const heading = el('h1', { id: 'title', tabindex: '-1', text: title });
  const card = el('section', { class: 'card', 'aria-labelledby': 'title' }, heading, ...content);
  main.replaceChildren(entryNav(), card);
  document.title = `${title} — Proofline`;
  if (state.renders++ > 0) heading.focus();
  return card;
}

/** Renders an answer of the API: a step, a success, or a failure in words with a way forward. */
async function handle(reply, { restarted = false } = {}) {
  const { status, body } = reply;
  if (status === 200 && body.tokenId) return succeed();
  if (status === 200 && body.authId) return render(body);
  sessionStorage.removeItem(SAVED);
  const again = [[pageUrl(), t.startAgain]];
  if (status === 0) return failure(t.offline, [], true);
  if (status === 429) return failure(t.tooMany(reply.retryAfter || 1), [], true);
  if (status === 409) {
    // Another request of ours holds the step (a double submit): ask again shortly.
    await new Promise((r) => setTimeout(r, 800));
    return handle(await call(state.step));
  }
  if (status >= 500) return failure(t.unavailable, [], true);
  if (status === 401) {
    const text = String(body.message ?? '');
    let banner;
    if (/expired authId|start the journey again/i.test(text)) banner = message(t.expired, 'warn');
    else if (/link is invalid/i.test(text)) banner = message(t.linkInvalid);
    else if (state.journey === 'Login' || state.journey === 'IProovLogin')
      banner = message(t.loginFailure, 'error', [
        [pageUrl('ResetPassword'), t.forgotPassword],
        [pageUrl('ForgottenUsername'), t.forgotUsername],
      ]);
    else banner = message(t.journeyFailure);
    if (restarted) return failure(t.needsSignIn, [[pageUrl('Login'), t.signIn]]);
    // A fresh first step under the message: the person can try again at once.
    const first = await call();
    if (first.status === 200 && first.body.authId) return render(first.body, banner);
    return handle(first, { restarted: true });
  }
  return failure(t.badRequest(body.message ?? status), again);
}

function failure(text, links, retry = false) {
  const card = frame(t.titles[state.journey] ?? state.journey, message(text, 'error', links));
  const actions = el('p', { class: 'actions' });
  if (retry && state.step)
    actions.append(el('button', { type: 'button', text: t.tryAgain, onclick: () => submit() }));
  actions.append(el('a', { class: 'button secondary', href: pageUrl(), text: t.startAgain }));
  card.append(actions);
}

function succeed() {
  sessionStorage.removeItem(SAVED);
  sessionStorage.removeItem(REDIRECT);
  frame(t.titles[state.journey] ?? state.journey, message(t.success, 'ok'));
  const goto = safeGoto(state.goto);
  location.assign(goto ?? `/enduser/?realm=${encodeURIComponent(state.realm)}`);
}

async function submit(extraQuery = '') {
  if (state.busy || !state.step) return;
  state.busy = true;
  main.setAttribute('aria-busy', 'true');
  for (const b of main.querySelectorAll('button')) b.disabled = true;
  try {
    await handle(await call(state.step, extraQuery));
  } finally {
    state.busy = false;
    main.removeAttribute('aria-busy');
    for (const b of main.querySelectorAll('button')) b.disabled = false;
  }
}

const sameStepShape = (a, b) =>
  a &&
  b &&
  JSON.stringify(a.callbacks.map((c) => [c.type, c.output])) ===
    JSON.stringify(b.callbacks.map((c) => [c.type, c.output]));

function render(step, banner) {
  const previous = state.step;
  state.step = step;
  save(step);
  const polling = step.callbacks.find((cb) => cb.type === 'PollingWaitCallback');
  // A poll answered with the same waiting step: keep the page as it is (focus, what was announced).
  if (polling && !banner && sameStepShape(previous, step) && main.querySelector('.waiting')) {
    schedulePoll(polling);
    return;
  }
  const redirect = step.callbacks.find((cb) => cb.type === 'RedirectCallback');
  if (redirect) {
    // Like the ForgeRock SDK's FRAuth.redirect: keep the step, leave, and resume when sent back with code+state.
    sessionStorage.setItem(
      REDIRECT,
      JSON.stringify({ journey: state.journey, realm: state.realm, goto: state.goto, step }),
    );
    frame(step.header || t.titles[state.journey] || state.journey, message(t.leaving, 'info'));
    location.assign(out(redirect, 'redirectUrl'));
    return;
  }
  const title = step.header || t.titles[state.journey] || state.journey;
  const form = el('form', { novalidate: true });
  const card = frame(
    title,
    step.description ? el('p', { class: 'description' }, ...richText(step.description)) : undefined,
    banner,
    form,
  );
  const fields = [];
  let needsSubmit = false;
  let suspended = false;
  const hidden = Object.fromEntries(
    step.callbacks
      .filter((cb) => cb.type === 'HiddenValueCallback')
      .map((cb) => [out(cb, 'id'), out(cb, 'value')]),
  );
  for (const [index, cb] of step.callbacks.entries()) {
    switch (cb.type) {
      case 'NameCallback':
      case 'TextInputCallback':
      case 'ValidatedCreateUsernameCallback':
      case 'StringAttributeInputCallback':
      case 'PasswordCallback':
      case 'ValidatedCreatePasswordCallback':
        form.append(textField(cb, fields));
        needsSubmit = true;
        break;
      case 'BooleanAttributeInputCallback':
        form.append(checkField(cb, fields));
        needsSubmit = true;
        break;
      case 'ChoiceCallback':
        form.append(buttons(cb, out(cb, 'prompt'), out(cb, 'choices') ?? []));
        break;
      case 'ConfirmationCallback':
        form.append(buttons(cb, out(cb, 'prompt'), out(cb, 'options') ?? []));
        break;
      case 'TextOutputCallback': {
        const type = String(out(cb, 'messageType'));
        if (type === '4') break; // AM's script output: never run.
        form.append(message(out(cb, 'message'), type === '2' ? 'error' : type === '1' ? 'warn' : 'info'));
        break;
      }
      case 'SuspendedTextOutputCallback':
        form.append(message(out(cb, 'message'), 'info'), el('p', { text: t.checkEmail }));
        suspended = true;
        break;
      case 'HiddenValueCallback':
        if (out(cb, 'id') === 'ipaSessionQrCode')
          form.append(el('img', { class: 'qr', alt: t.qrAlt, src: out(cb, 'value') }));
        else if (
          out(cb, 'id') === 'ipaSessionUrl' &&
          !step.callbacks.some((c) => c.type === 'MetadataCallback')
        )
          form.append(
            el(
              'p',
              {},
              el('a', {
                href: out(cb, 'value'),
                target: '_blank',
                rel: 'noopener',
                text: hidden.ipaSessionQrCode ? t.openHereOr : t.openHere,
              }),
            ),
          );
        break;
      case 'PollingWaitCallback':
        form.append(
          el(
            'div',
            { class: 'waiting', role: 'status', 'aria-live': 'polite' },
            el('span', { class: 'spinner', 'aria-hidden': 'true' }),
            el('span', { text: out(cb, 'message') || t.working }),
          ),
        );
        schedulePoll(cb);
        break;
      case 'KbaCreateCallback':
        form.append(kbaFields(cb, fields));
        needsSubmit = true;
        break;
      case 'TermsAndConditionsCallback':
        form.append(termsFields(cb, fields));
        needsSubmit = true;
        break;
      case 'ConsentMappingCallback':
        form.append(consentFields(cb, fields));
        needsSubmit = true;
        break;
      case 'MetadataCallback': {
        const iproov = out(cb, 'data')?.iproov;
        if (iproov) form.append(iproovStep(iproov, step));
        break;
      }
      default:
        if (cb.input.length > 0) {
          form.append(textField(cb, fields, `callback-${index}`));
          needsSubmit = true;
        }
    }
  }
  if (needsSubmit) form.append(el('p', { class: 'actions' }, el('button', { type: 'submit', text: t.next })));
  if (suspended)
    card.append(el('p', {}, el('a', { class: 'button secondary', href: pageUrl(), text: t.startAgain })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const [slot, read] of fields) slot.value = read();
    submit();
  });
}

/**
 * A step's description as AM writes it (text with <br>, <a href="#/service/Journey">…): rebuilt from text,
 * line breaks, emphasis and safe links only; a journey link becomes this page's link to that journey.
 */
function richText(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html').body;
  const rebuild = (node) =>
    [...node.childNodes].flatMap((child) => {
      if (child.nodeType === Node.TEXT_NODE) return [document.createTextNode(child.textContent)];
      if (child.nodeType !== Node.ELEMENT_NODE) return [];
      const tag = child.tagName.toLowerCase();
      if (tag === 'br') return [el('br')];
      if (tag === 'a') {
        const href = child.getAttribute('href') ?? '';
        const journey = /^#\/service\/([A-Za-z0-9_-]{1,64})$/.exec(href)?.[1];
        const safe = journey ? pageUrl(journey) : /^(https:\/\/|\/(?!\/))/.test(href) ? href : undefined;
        return safe ? [el('a', { href: safe }, ...rebuild(child))] : rebuild(child);
      }
      if (['b', 'strong', 'em', 'i'].includes(tag)) return [el(tag, {}, ...rebuild(child))];
      return rebuild(child);
    });
  return rebuild(parsed);
}

function schedulePoll(cb) {
  clearTimeout(state.pollTimer);
  const wait = Math.min(Math.max(Number(out(cb, 'waitTime')) || 3000, 500), 30_000);
  state.pollTimer = setTimeout(() => submit(), wait);
}

function policyText(requirement, params = {}) {
  const phrase = t.policies[requirement];
  return phrase ? phrase(params) : requirement;
}

/** A labelled input; its requirements shown before submitting and its failures in words after. */
function textField(cb, fields, fallbackName) {
  const id = nextId('field');
  const name = out(cb, 'name');
  const isPassword = /Password/.test(cb.type);
  const input = el('input', {
    id,
    name: name ?? fallbackName ?? id,
    type: isPassword ? 'password' : name === 'mail' ? 'email' : name === 'telephoneNumber' ? 'tel' : 'text',
    autocomplete:
      // A password with policies is a new one (Registration, reset); without, the one to sign in with (Login).
      cb.type === 'ValidatedCreatePasswordCallback' && out(cb, 'policies')?.policies?.length
        ? 'new-password'
        : cb.type === 'ValidatedCreatePasswordCallback'
          ? 'current-password'
          : // A PasswordCallback is a security answer here (KBA Verify): no password manager's fill.
            isPassword
            ? 'off'
            : ({ givenName: 'given-name', sn: 'family-name', mail: 'email', telephoneNumber: 'tel' }[name] ??
              (/Username|NameCallback/.test(cb.type) ? 'username' : 'off')),
    spellcheck: false,
  });
  if (!isPassword && typeof cb.input[0]?.value === 'string') input.value = cb.input[0].value;
  if (out(cb, 'required') === true) input.required = true;
  const box = el('div', { class: 'field' }, el('label', { for: id, text: out(cb, 'prompt') ?? name ?? '' }));
  const described = [];
  const policies = (out(cb, 'policies')?.policies ?? []).flatMap((p) =>
    p.policyRequirements
      .filter((r) => !['REQUIRED', 'VALID_TYPE', 'UNIQUE'].includes(r))
      // At least one character is what "required" means: not a requirement worth listing.
      .filter((r) => !(r === 'MIN_LENGTH' && (p.params?.minLength ?? 0) <= 1))
      .map((r) => ({ requirement: r, params: p.params ?? {} })),
  );
  if (policies.length > 0) {
    const listId = nextId('req');
    const list = el('ul', { class: 'requirements', id: listId });
    for (const p of policies) {
      const item = el('li', { text: policyText(p.requirement, p.params) });
      item.dataset.requirement = p.requirement;
      item.dataset.params = JSON.stringify(p.params);
      list.append(item);
    }
    if (isPassword) {
      const mark = () => {
        for (const item of list.children) {
          const met = meets(item.dataset.requirement, JSON.parse(item.dataset.params), input.value);
          item.classList.toggle('met', met === true);
        }
      };
      input.addEventListener('input', mark);
    }
    box.append(el('span', { class: 'sr-only', text: t.requirements }), list);
    described.push(listId);
  }
  box.append(input);
  const failed = (out(cb, 'failedPolicies') ?? []).map((f) => (typeof f === 'string' ? JSON.parse(f) : f));
  if (failed.length > 0) {
    const errorsId = nextId('err');
    box.append(
      el(
        'ul',
        { class: 'errors', id: errorsId },
        ...failed.map((f) => el('li', { text: policyText(f.policyRequirement, f.params) })),
      ),
    );
    input.setAttribute('aria-invalid', 'true');
    described.unshift(errorsId);
  }
  if (described.length > 0) input.setAttribute('aria-describedby', described.join(' '));
  fields.push([cb.input[0], () => input.value]);
  return box;
}

/** Whether a password meets a requirement as typed (undefined: only the server can tell). */
function meets(requirement, params, value) {
  switch (requirement) {
    case 'MIN_LENGTH':
      return [...value].length >= params.minLength;
    case 'MAX_LENGTH':
      return value.length > 0 && [...value].length <= params.maxLength;
    case 'AT_LEAST_X_CAPITAL_LETTERS':
      return (value.match(/\p{Lu}/gu)?.length ?? 0) >= params.numCaps;
    case 'AT_LEAST_X_NUMBERS':
      return (value.match(/\p{Nd}/gu)?.length ?? 0) >= params.numNums;
    default:
      return undefined;
  }
}

function checkField(cb, fields) {
  const id = nextId('check');
  const input = el('input', { id, type: 'checkbox', checked: cb.input[0]?.value === true });
  fields.push([cb.input[0], () => input.checked]);
  return el(
    'div',
    { class: 'field' },
    el('label', { class: 'check', for: id }, input, out(cb, 'prompt') ?? ''),
  );
}

/** A choice of several as buttons: each sets the callback's index and submits the step. */
function buttons(cb, prompt, labels) {
  const legendId = nextId('choice');
  const group = el('div', { class: 'choices', role: 'group', 'aria-labelledby': legendId });
  for (const [index, label] of labels.entries()) {
    group.append(
      el('button', {
        type: 'button',
        class: index === 0 ? undefined : 'secondary',
        text: label,
        onclick: () => {
          const form = group.closest('form');
          cb.input[0].value = index;
          // The other fields of the step go with it.
          form.dispatchEvent(new Event('submit', { cancelable: true }));
        },
      }),
    );
  }
  return el('div', {}, el('p', { id: legendId, class: 'legend', text: prompt ?? '' }), group);
}

/** AM's KbaCreateCallback: a security question (predefined, or the person's own) and its answer. */
const OWN = '\u0000own';
function kbaFields(cb, fields) {
  const selectId = nextId('kba');
  const ownId = nextId('kba-own');
  const answerId = nextId('kba-answer');
  const select = el('select', { id: selectId });
  select.append(new Option(t.choose, ''));
  for (const question of out(cb, 'predefinedQuestions') ?? []) select.append(new Option(question, question));
  if (out(cb, 'allowUserDefinedQuestions') !== false) select.append(new Option(t.ownQuestion, OWN));
  const own = el('input', { id: ownId, type: 'text', autocomplete: 'off' });
  const ownBox = el(
    'div',
    { class: 'field', hidden: true },
    el('label', { for: ownId, text: t.yourQuestion }),
    own,
  );
  select.addEventListener('change', () => {
    ownBox.hidden = select.value !== OWN;
  });
  const answer = el('input', { id: answerId, type: 'password', autocomplete: 'off' });
  const slot = (suffix) => cb.input.find((i) => i.name.endsWith(suffix));
  fields.push([slot('question'), () => (select.value === OWN ? own.value : select.value)]);
  fields.push([slot('answer'), () => answer.value]);
  return el(
    'fieldset',
    {},
    el('legend', { text: out(cb, 'prompt') ?? t.question }),
    el('div', { class: 'field' }, el('label', { for: selectId, text: t.question }), select),
    ownBox,
    el('div', { class: 'field' }, el('label', { for: answerId, text: t.answer }), answer),
  );
}

/** AM's TermsAndConditionsCallback: the terms (Markdown, shown as text), their version, and a checkbox. */
function termsFields(cb, fields) {
  const id = nextId('terms');
  const textId = nextId('terms-text');
  const input = el('input', { id, type: 'checkbox', checked: cb.input[0]?.value === true });
  fields.push([cb.input[0], () => input.checked]);
  return el(
    'fieldset',
    {},
    el('legend', { text: t.terms }),
    el('p', { class: 'description', text: t.termsVersion(out(cb, 'version')) }),
    el('pre', {
      class: 'terms',
      id: textId,
      tabindex: '0',
      role: 'region',
      'aria-label': t.terms,
      text: out(cb, 'terms'),
    }),
    el('label', { class: 'check', for: id }, input, t.acceptTerms),
  );
}

/** AM's ConsentMappingCallback: what would be shared, with whom, and a checkbox. */
function consentFields(cb, fields) {
  const id = nextId('consent');
  const input = el('input', { id, type: 'checkbox', checked: cb.input[0]?.value === true });
  fields.push([cb.input[0], () => input.checked]);
  const shared = out(cb, 'fields') ?? [];
  return el(
    'fieldset',
    {},
    el('legend', { text: out(cb, 'displayName') ?? out(cb, 'name') }),
    el('p', { text: out(cb, 'message') ?? '' }),
    shared.length
      ? el('ul', {}, ...shared.map((f) => el('li', { text: t.attributes[String(f)] ?? String(f) })))
      : undefined,
    el('label', { class: 'check', for: id }, input, t.consentAgree),
    out(cb, 'isRequired') ? el('p', { class: 'description', text: t.consentRequired }) : undefined,
  );
}

/**
 * The iProov step. With the local iProov sandbox: buttons that play the face scan there, then report the web
 * SDK's event in the iproovResult hidden value, as an app using <iproov-me> does. With a real tenant: iProov's
 * web SDK, loaded from its CDN with this page's nonce (IPROOV_WEB_SDK_URL), and its events.
 */
function iproovStep(iproov, step) {
  const report = (event) => {
    const slot = step.callbacks.find(
      (c) => c.type === 'HiddenValueCallback' && out(c, 'id') === 'iproovResult',
    );
    if (slot) slot.input[0].value = event;
    submit();
  };
  const box = el('div', { class: 'iproov' }, el('h2', { text: t.face }));
  if (settings.iproovSandbox && iproov.baseUrl === settings.iproovSandbox) {
    box.append(el('p', { class: 'description', text: t.faceSandbox }));
    const row = el('div', { class: 'actions' });
    for (const [label, result] of [
      [t.facePass, 'passed'],
      [t.faceFail, 'failed'],
      [t.faceCancel, 'canceled'],
      [t.faceError, 'error'],
    ]) {
      row.append(
        el('button', {
          type: 'button',
          class: result === 'passed' ? undefined : 'secondary',
          text: label,
          onclick: async () => {
            await fetch(`${iproov.baseUrl}/sandbox/tokens/${encodeURIComponent(iproov.token)}/scan`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ result }),
            }).catch(() => undefined);
            report(result);
          },
        }),
      );
    }
    box.append(row);
    if (iproov.resultsUrl) {
      box.append(
        el(
          'p',
          { class: 'actions' },
          el('a', {
            href: `${iproov.baseUrl}/sandbox/scan/${encodeURIComponent(iproov.token)}`,
            target: '_blank',
            rel: 'noopener',
            text: t.faceOther,
          }),
          el('button', {
            type: 'button',
            class: 'secondary',
            text: t.faceDone,
            onclick: async () => {
              await fetch(iproov.resultsUrl, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ token: iproov.token }),
              }).catch(() => undefined);
              submit();
            },
          }),
        ),
      );
    }
    return box;
  }
  if (!settings.iproovWebSdk) {
    box.append(message(t.faceUnavailable, 'warn'));
    return box;
  }
  // iProov's web SDK defines <iproov-me>; it dispatches passed/failed/canceled/error events on the element.
  const nonce = document.querySelector('script[nonce]')?.nonce;
  if (!customElements.get('iproov-me') && !document.getElementById('iproov-sdk')) {
    document.head.append(el('script', { id: 'iproov-sdk', src: settings.iproovWebSdk, nonce }));
  }
  const widget = el('iproov-me', { token: iproov.token, base_url: iproov.baseUrl });
  const results = { passed: 'passed', failed: 'failed', canceled: 'canceled', cancelled: 'canceled' };
  for (const event of [
    'passed',
    'failed',
    'canceled',
    'cancelled',
    'error',
    'unsupported',
    'permission_denied',
  ]) {
    widget.addEventListener(event, () => report(results[event] ?? 'error'));
  }
  box.append(widget);
  return box;
}

async function startApp() {
  const navigation = performance.getEntriesByType('navigation')[0]?.type;
  const code = params.get('code');
  const returnState = params.get('state');
  const suspendedId = params.get('suspendedId');
  const redirected = sessionStorage.getItem(REDIRECT);
  if (code && returnState && redirected) {
    // Back from an external redirect: post the kept step with the code and state (FRAuth.resume does the same).
    sessionStorage.removeItem(REDIRECT);
    const saved = JSON.parse(redirected);
    Object.assign(state, { journey: saved.journey, realm: saved.realm, goto: saved.goto ?? undefined });
    state.step = saved.step;
    history.replaceState(null, '', pageUrl());
    const query = `&code=${encodeURIComponent(code)}&state=${encodeURIComponent(returnState)}`;
    return handle(await call(saved.step, query));
  }
  if (suspendedId) {
    // The link an Email Suspend mailed (ResetPassword, ForgottenUsername): resume the journey from it, once.
    history.replaceState(null, '', pageUrl());
    return handle(await call(undefined, `&suspendedId=${encodeURIComponent(suspendedId)}`));
  }
  history.replaceState(null, '', pageUrl());
  const kept = JSON.parse(sessionStorage.getItem(SAVED) ?? 'null');
  if (
    kept &&
    (navigation === 'reload' || navigation === 'back_forward') &&
    kept.journey === state.journey &&
    kept.realm === state.realm
  ) {
    // A reload or a return to this page: the step it showed, asked again (an expired one starts afresh).
    state.step = kept.step;
    return render(kept.step);
  }
  const banner = params.get('signedOut') ? message(t.signedOut, 'ok') : undefined;
  const first = await call();
  if (first.status === 200 && first.body.authId) return render(first.body, banner);
  return handle(first, { restarted: true });
}

/** `/enduser/`: sign-out (AM's `sessions?_action=logout`), then the sign-in page. */
function startEnduser() {
  const button = document.getElementById('sign-out');
  if (!button) return;
  button.addEventListener('click', async () => {
    button.disabled = true;
    state.realm = realmOf(button.dataset.realm);
    await fetch(`${apiPath('sessions')}?_action=logout`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=3.1, protocol=1.0' },
      body: '{}',
    }).catch(() => undefined);
    sessionStorage.removeItem(SAVED);
    location.assign(`/?realm=${encodeURIComponent(state.realm)}&signedOut=1`);
  });
}

const page = document.body.dataset.page;
if (page === 'app') startApp();
else if (page === 'enduser') startEnduser();
