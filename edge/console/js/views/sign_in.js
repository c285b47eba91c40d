// Sign in with email or username and password; then, when MFA is on, a second step with
// an authenticator or recovery code (POST /v1/auth/mfa/verify) or a passkey. A passkey alone
// signs in too (username-less: the browser offers this site's passkeys).
import { field, h, whileBusy, formValues } from '../dom.js';
import { clearErrors, errorBox, showError } from '../errors.js';
import { call } from '../api.js';
import { signIn, signInWithCode, signInWithPasskey, verifyMfa } from '../session.js';
import { passkeysSupported, shownError } from '../webauthn.js';

// A login code in the address (back from "Continue with …") is taken out of it at once, so
// neither history nor a bookmark keeps it; the sign-in screen spends it. One that comes back
// with ?link= is a linking popup's (link_flow.js), not a sign-in.
const params = new URLSearchParams(location.search);
let pendingLoginCode = params.has('link') ? null : params.get('login_code');
if (pendingLoginCode) {
  params.delete('login_code');
  const search = params.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}

export function signInView({ outlet, reason }) {
  document.title = 'Sign in · usersvc';
  const slot = h('div', { class: 'error-slot' }, reason ? endedNotice(reason) : null);
  const form = h('form', { class: 'stack', novalidate: true },
    field({ label: 'Email or username', name: 'identifier', autocomplete: 'username', required: true }),
    field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  const card = h('section', { class: 'card narrow', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in'),
    h('p', { class: 'muted' }, 'The usersvc admin console. Everything here goes through the public REST API.'),
    slot, form, passkeyButton(slot, 'Sign in with a passkey', {}));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const { identifier, password } = formValues(form);
    try {
      const challenge = await whileBusy(form, () => signIn({ identifier: identifier.trim(), password }));
      if (challenge) card.replaceWith(mfaStep(challenge, () => signInView({ outlet: restartIn(outlet), reason: null })));
    } catch (error) {
      showError(slot, error, form);
      form.elements.password.select();
    }
  });
  const others = h('div', { class: 'other-providers' });
  card.append(others);
  otherProviders(others);
  outlet.append(card);
  form.elements.identifier.focus();
  if (pendingLoginCode) {
    const code = pendingLoginCode;
    pendingLoginCode = null;
    whileBusy(card, () => signInWithCode(code))
      .then((challenge) => {
        if (challenge) card.replaceWith(mfaStep(challenge, () => signInView({ outlet: restartIn(outlet), reason: null })));
      })
      .catch((error) => showError(slot, error));
  }
}

// "Continue with …": each provider's start URL, coming back to this page with a login code.
async function otherProviders(host) {
  try {
    const { data } = await call('GET', '/v1/auth/providers');
    if (!data.data.length) return;
    const back = `${location.origin}${location.pathname}`;
    host.replaceChildren(h('p', { class: 'muted' }, 'Or sign in with'),
      h('ul', { class: 'provider-links' }, data.data.map((provider) => h('li', {},
        h('a', { class: 'button', href: `${provider.start_url}?${new URLSearchParams({ return_to: back })}`,
                 'data-provider': provider.slug }, `Continue with ${provider.name}`)))));
  } catch {
    host.replaceChildren();  // the password form still works
  }
}

// Hidden where the browser cannot use passkeys (plain http on another host than localhost).
function passkeyButton(slot, label, { mfaToken = null }) {
  if (!passkeysSupported()) return null;
  const button = h('button', { type: 'button', class: 'passkey-sign-in' }, label);
  const region = h('div', { class: 'actions passkey-actions' }, button);
  button.addEventListener('click', async () => {
    clearErrors(slot);
    try {
      await whileBusy(region, () => signInWithPasskey({ mfaToken }));
    } catch (error) {
      showError(slot, shownError(error));
    }
  });
  return region;
}

function endedNotice(reason) {
  return h('div', { class: 'notice' }, h('p', {}, 'Your session has ended. Sign in again.'), errorBox(reason));
}

function restartIn(outlet) {
  outlet.replaceChildren();
  return outlet;
}

function mfaStep({ mfaToken, expiresIn }, restart) {
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true },
    field({ label: 'Authentication code', name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric',
            required: true, hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Verify'),
      h('button', { type: 'button', onclick: restart }, 'Start again')));
  const card = h('section', { class: 'card narrow', 'aria-labelledby': 'mfa-title' },
    h('h1', { id: 'mfa-title', tabindex: '-1' }, 'Two-factor authentication'),
    h('p', { class: 'muted' }, `Your password was right. This step expires in ${Math.round(expiresIn / 60)} minutes.`),
    slot, form, passkeyButton(slot, 'Use a passkey instead', { mfaToken }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    try {
      await whileBusy(form, () => verifyMfa({ mfaToken, code: formValues(form).code.replace(/\s+/g, '') }));
    } catch (error) {
      showError(slot, error, form);
      form.elements.code.select();
    }
  });
  queueMicrotask(() => form.elements.code.focus());
  return card;
}
