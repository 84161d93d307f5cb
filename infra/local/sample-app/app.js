// The sample relying party: authorization code + PKCE (S256) in the browser, as a single-page app does.
const ISSUER = `${location.origin}/oauth2/realms/root/realms/alpha`;
const CLIENT_ID = 'proofline-demo';
const REDIRECT_URI = `${location.origin}/sample-app/`;
const result = document.getElementById('result');

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const decodeJwt = (jwt) =>
  JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
    ),
  );

function show(title, value, isError = false) {
  const h = document.createElement('h2');
  h.textContent = title;
  const pre = document.createElement('pre');
  pre.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  if (isError) pre.className = 'error';
  result.append(h, pre);
}

async function signIn() {
  const discovery = await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
  const verifier = random();
  const state = random();
  const nonce = random();
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('sample-app', JSON.stringify({ verifier, state, nonce }));
  const url = new URL(discovery.authorization_endpoint);
  const params = {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid email profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  if (document.getElementById('verified').checked) {
    const request = {
      verification: { trust_framework: null, assurance_level: null, time: null },
      claims: { given_name: null, family_name: null, birthdate: null },
    };
    params.claims = JSON.stringify({
      userinfo: { verified_claims: request },
      id_token: { verified_claims: request },
    });
  }
  url.search = new URLSearchParams(params).toString();
  location.assign(url);
}

async function callback(query) {
  const saved = JSON.parse(sessionStorage.getItem('sample-app') ?? 'null');
  sessionStorage.removeItem('sample-app');
  history.replaceState(null, '', REDIRECT_URI);
  if (query.get('error'))
    return show('Sign-in failed', `${query.get('error')}: ${query.get('error_description') ?? ''}`, true);
  if (!saved || saved.state !== query.get('state')) return show('Sign-in failed', 'state mismatch', true);
  const discovery = await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code'),
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      code_verifier: saved.verifier,
    }),
  });
  const tokens = await response.json();
  if (!response.ok) return show('Token request failed', tokens, true);
  const claims = decodeJwt(tokens.id_token);
  if (claims.nonce !== saved.nonce) return show('Sign-in failed', 'nonce mismatch', true);
  show('Signed in: ID token claims', claims);
  const info = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  show('UserInfo', await info.json());
  sessionStorage.setItem('sample-app-id-token', tokens.id_token);
  document.getElementById('sign-out').hidden = false;
}

async function signOut() {
  const discovery = await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
  const url = new URL(discovery.end_session_endpoint);
  url.search = new URLSearchParams({
    id_token_hint: sessionStorage.getItem('sample-app-id-token') ?? '',
    post_logout_redirect_uri: REDIRECT_URI,
    client_id: CLIENT_ID,
  }).toString();
  sessionStorage.removeItem('sample-app-id-token');
  location.assign(url);
}

document.getElementById('sign-in').addEventListener('click', () => void signIn());
document.getElementById('sign-out').addEventListener('click', () => void signOut());
const query = new URLSearchParams(location.search);
if (query.has('code') || query.has('error')) void callback(query);
