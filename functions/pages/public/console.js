// The developer console (served at /pages/console.js; the page's CSP allows no inline script): runs any journey
// and shows the raw JSON of each answer.
const settings = JSON.parse(document.querySelector('meta[name=proofline]')?.content ?? '{}');
const journeys = settings.journeys ?? [];
const nav = document.getElementById('journeys');
for (const name of journeys) {
  const a = document.createElement('a');
  a.href = `#${name}`;
  a.textContent = name;
  // A new hash runs the journey (hashchange, below); the current one again starts it afresh.
  a.onclick = () => {
    if (location.hash === `#${name}`) run(name);
  };
  nav.append(a);
}
const out = (cb, name) => cb.output.find((o) => o.name === name)?.value;
const url = (journey) => {
  const realm = document.getElementById('realm').value;
  const path =
    realm === 'root' ? 'json/realms/root/authenticate' : `json/realms/root/realms/${realm}/authenticate`;
  return `/${path}?authIndexType=service&authIndexValue=${encodeURIComponent(journey)}`;
};
async function post(journey, body, extraQuery = '') {
  const res = await fetch(url(journey) + extraQuery, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=2.1, protocol=1.0' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  document.getElementById('raw').textContent = JSON.stringify(json, null, 2);
  return json;
}
function policyText(cb) {
  return (out(cb, 'failedPolicies') ?? []).map((p) => {
    const f = JSON.parse(p);
    return f.params ? `${f.policyRequirement} ${JSON.stringify(f.params)}` : f.policyRequirement;
  });
}
function render(journey, step) {
  const root = document.getElementById('step');
  root.replaceChildren();
  if (step.tokenId) {
    root.innerHTML = '<p class="msg">Signed in. A session was issued (see the last response).</p>';
    return;
  }
  if (!step.authId) {
    const p = document.createElement('p');
    p.className = 'msg error';
    p.textContent = `${step.code ?? ''} ${step.message ?? 'Failed'}`;
    root.append(p);
    return;
  }
  const redirect = step.callbacks.find((cb) => cb.type === 'RedirectCallback');
  if (redirect) {
    // Like the ForgeRock SDK's FRAuth.redirect: keep the step, leave, and resume when sent back with code+state.
    sessionStorage.setItem('proofline-previous-step', JSON.stringify({ journey, step }));
    location.assign(out(redirect, 'redirectUrl'));
    return;
  }
  const form = document.createElement('form');
  if (step.header) {
    const h = document.createElement('h2');
    h.textContent = step.header;
    root.append(h);
  }
  const fields = [];
  const submit = async () => render(journey, await post(journey, step));
  for (const cb of step.callbacks) {
    const prompt = out(cb, 'prompt') ?? out(cb, 'name') ?? cb.type;
    if (cb.type === 'ChoiceCallback') {
      // A choice of several (the IPA delivery): a labelled select of the choices, the default preselected.
      const label = document.createElement('label');
      const select = document.createElement('select');
      for (const [index, choice] of (out(cb, 'choices') ?? []).entries()) {
        const option = document.createElement('option');
        option.value = String(index);
        option.textContent = choice;
        select.append(option);
      }
      select.value = String(cb.input[0].value ?? out(cb, 'defaultChoice') ?? 0);
      label.append(out(cb, 'prompt') ?? '', select);
      fields.push([cb.input[0], () => Number(select.value)]);
      form.append(label);
      continue;
    }
    if (cb.type === 'TextOutputCallback' || cb.type === 'SuspendedTextOutputCallback') {
      const p = document.createElement('p');
      p.className =
        out(cb, 'messageType') === '2' ? 'msg error' : out(cb, 'messageType') === '1' ? 'msg warn' : 'msg';
      p.textContent = out(cb, 'message');
      form.append(p);
      continue;
    }
    if (cb.type === 'HiddenValueCallback') {
      // Not a field: a value for the client (an IPA link, its QR code) or a slot the client fills (iproovResult).
      const value = out(cb, 'value');
      if (out(cb, 'id') === 'ipaSessionQrCode') {
        const img = document.createElement('img');
        img.className = 'qr';
        img.alt = 'QR code';
        img.src = value;
        form.append(img);
      } else if (out(cb, 'id') === 'ipaSessionUrl') {
        const a = document.createElement('a');
        a.href = value;
        a.target = '_blank';
        a.textContent = 'Open the link on this device';
        form.append(a);
      }
      continue;
    }
    if (cb.type === 'PollingWaitCallback') {
      setTimeout(
        () => {
          if (document.getElementById('step').contains(form)) submit();
        },
        Number(out(cb, 'waitTime')),
      );
      continue;
    }
    if (cb.type === 'MetadataCallback' && out(cb, 'data')?.iproov) {
      form.append(iproovWidget(out(cb, 'data').iproov, step, submit));
      continue;
    }
    if (cb.type === 'KbaCreateCallback') {
      form.append(kbaFields(cb, prompt, fields));
      continue;
    }
    if (cb.type === 'TermsAndConditionsCallback') {
      form.append(termsFields(cb, fields));
      continue;
    }
    if (!cb.input.length) continue;
    const label = document.createElement('label');
    const input = document.createElement('input');
    const first = cb.input[0];
    if (typeof first.value === 'boolean') {
      label.className = 'check';
      input.type = 'checkbox';
      input.checked = first.value;
      label.append(input, prompt);
    } else {
      input.type = /Password/.test(cb.type) ? 'password' : out(cb, 'name') === 'mail' ? 'email' : 'text';
      input.value = first.value ?? '';
      label.append(prompt, input);
    }
    for (const text of policyText(cb)) {
      const s = document.createElement('span');
      s.className = 'policy';
      s.textContent = text;
      label.append(s);
    }
    fields.push([first, () => (input.type === 'checkbox' ? input.checked : input.value)]);
    form.append(label);
  }
  const button = document.createElement('button');
  button.textContent = 'Next';
  form.append(button);
  form.onsubmit = async (event) => {
    event.preventDefault();
    for (const [slot, read] of fields) slot.value = read();
    await submit();
  };
  root.append(form);
}
/**
 * AM's KbaCreateCallback: a security question (one of the predefined ones or, if allowed, the user's own) and
 * its answer (masked, like a password), into the callback's `…question` and `…answer` inputs.
 */
const OWN_QUESTION = '\u0000own'; // the select's "your own question" option: no predefined question's text
function kbaFields(cb, prompt, fields) {
  const box = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = prompt;
  const select = document.createElement('select');
  for (const question of ['', ...(out(cb, 'predefinedQuestions') ?? [])]) {
    select.append(new Option(question || '—', question));
  }
  const own = document.createElement('input');
  own.type = 'text';
  own.placeholder = 'Your own question';
  own.hidden = true;
  if (out(cb, 'allowUserDefinedQuestions') !== false)
    select.append(new Option('Your own question…', OWN_QUESTION));
  select.onchange = () => {
    own.hidden = select.value !== OWN_QUESTION;
  };
  const answer = document.createElement('input');
  answer.type = 'password';
  answer.placeholder = 'Answer';
  answer.autocomplete = 'off';
  box.append(legend, select, own, answer);
  const slot = (suffix) => cb.input.find((i) => i.name.endsWith(suffix));
  fields.push([slot('question'), () => (select.value === OWN_QUESTION ? own.value : select.value)]);
  fields.push([slot('answer'), () => answer.value]);
  return box;
}
/** AM's TermsAndConditionsCallback: the terms (Markdown, shown as plain text), their version and a checkbox. */
function termsFields(cb, fields) {
  const box = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = `Terms and conditions, version ${out(cb, 'version')} (${out(cb, 'createDate')})`;
  const text = document.createElement('pre');
  text.className = 'terms';
  text.textContent = out(cb, 'terms');
  const label = document.createElement('label');
  label.className = 'check';
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.checked = cb.input[0].value === true;
  label.append(input, 'I accept the terms and conditions');
  box.append(legend, text, label);
  fields.push([cb.input[0], () => input.checked]);
  return box;
}
/**
 * Stands in for the iProov web SDK against the iProov sandbox (npm start): the buttons play the face scan in
 * the sandbox, then report the SDK's event in the iproovResult hidden value, as an app using <iproov-me> does
 * on its `passed`, `failed`, `canceled` or `error` event. "Scan on another device" opens the sandbox's scan page
 * (what a native app would run); "Done on the other device" posts the results webhook the app would call.
 */
function iproovWidget(iproov, step, submit) {
  const box = document.createElement('div');
  box.className = 'iproov';
  const sandbox = settings.iproovSandbox;
  if (!sandbox || iproov.baseUrl !== sandbox) {
    box.textContent = `iProov ${iproov.type}: run this step in an app that embeds iProov's web SDK (<iproov-me>) — see the README.`;
    return box;
  }
  box.innerHTML = `<strong>iProov ${iproov.type} (${iproov.assuranceType}) — sandbox stand-in for the web SDK</strong><div></div>`;
  const row = box.querySelector('div');
  const report = (event) => {
    const slot = step.callbacks.find(
      (c) => c.type === 'HiddenValueCallback' && out(c, 'id') === 'iproovResult',
    );
    slot.input[0].value = event;
  };
  for (const [label, result] of [
    ['Pass', 'passed'],
    ['Fail', 'failed'],
    ['Cancel', 'canceled'],
    ['Error', 'error'],
  ]) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.onclick = async () => {
      await fetch(`${iproov.baseUrl}/sandbox/tokens/${iproov.token}/scan`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ result }),
      });
      report(result);
      submit();
    };
    row.append(b);
  }
  if (iproov.resultsUrl) {
    const other = document.createElement('a');
    other.href = `${iproov.baseUrl}/sandbox/scan/${iproov.token}`;
    other.target = '_blank';
    other.textContent = 'Scan on another device';
    const done = document.createElement('button');
    done.type = 'button';
    done.textContent = 'Done on the other device';
    done.onclick = async () => {
      await fetch(iproov.resultsUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: iproov.token }),
      });
      submit();
    };
    row.append(other, done);
  }
  return box;
}
async function run(journey) {
  render(journey, await post(journey));
}
const back = new URLSearchParams(location.search);
const saved = sessionStorage.getItem('proofline-previous-step');
if (back.get('code') && back.get('state') && saved) {
  // Back from an external redirect: post the saved step with the code and state (FRAuth.resume does the same).
  sessionStorage.removeItem('proofline-previous-step');
  const { journey, step } = JSON.parse(saved);
  history.replaceState(null, '', `${location.pathname}#${journey}`);
  const query = `&code=${encodeURIComponent(back.get('code'))}&state=${encodeURIComponent(back.get('state'))}`;
  post(journey, step, query).then((next) => render(journey, next));
} else if (back.get('suspendedId')) {
  // The link an Email Suspend mailed (ResetPassword, ForgottenUsername): resume the journey from it, as the SDK's
  // FRAuth.resume(location.href) does.
  const journey = back.get('authIndexValue') || journeys[0];
  const realm = (back.get('realm') ?? '').replace(/^\//, '') || 'root';
  const select = document.getElementById('realm');
  if ([...select.options].some((o) => o.value === realm)) select.value = realm;
  history.replaceState(null, '', `${location.pathname}#${journey}`);
  post(journey, undefined, `&suspendedId=${encodeURIComponent(back.get('suspendedId'))}`).then((next) =>
    render(journey, next),
  );
} else {
  // `#Login`, or AM's `#/service/Login` (the form the journeys' own links use, e.g. Login's "Create an account").
  const journeyOf = (hash) => decodeURIComponent(hash.replace(/^#(\/service\/)?/, ''));
  const initial = journeyOf(location.hash) || journeys[0];
  if (initial) run(initial);
  addEventListener('hashchange', () => {
    const journey = journeyOf(location.hash);
    if (journeys.includes(journey)) run(journey);
  });
}
