// One's own TOTP: enrol (password → QR code of the otpauth:// URI → a code to confirm →
// recovery codes shown once) or turn it off (password and a code).
import { field, formValues, h, whileBusy } from '../dom.js';
import { clearErrors, showError } from '../errors.js';
import { refreshCurrentUser, request } from '../session.js';

export function mfaSection(host, me) {
  const slot = h('div', { class: 'error-slot' });
  host.replaceChildren(slot);
  if (me.mfa_enabled) host.append(...disableStep(host, slot));
  else host.append(...startStep(host, slot));
}

function startStep(host, slot) {
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Set up an authenticator' },
    field({ label: 'Your password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
            hint: 'Asked again before a second factor is set up.' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Set up an authenticator app')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    try {
      const { data } = await whileBusy(form, () => request('POST', '/v1/auth/mfa/totp', { body: formValues(form) }));
      // The QR library is loaded only here, where it is needed.
      const { renderSVG } = await import('../../vendor/uqr-0.1.3/index.mjs');
      host.replaceChildren(slot, ...confirmStep(host, slot, data, renderSVG));
    } catch (error) {
      showError(slot, error, form);
    }
  });
  return [h('p', {}, 'Two-factor authentication is ', h('strong', {}, 'off'), '.'), form];
}

function confirmStep(host, slot, { secret, otpauth_uri: uri }, renderSVG) {
  const qr = h('img', { class: 'qr', width: '200', height: '200', alt: 'QR code of your authenticator key',
                        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(uri, { border: 2 }))}` });
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Confirm the authenticator' },
    field({ label: 'Code from the app', name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Turn on two-factor authentication')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    try {
      const { data } = await whileBusy(form, () => request('POST', '/v1/auth/mfa/totp/confirm', {
        body: { code: formValues(form).code.replace(/\s+/g, '') } }));
      host.replaceChildren(slot, ...recoveryStep(host, data.recovery_codes));
    } catch (error) {
      showError(slot, error, form);
    }
  });
  return [
    h('ol', { class: 'steps' },
      h('li', {}, 'Scan this code with an authenticator app (or type the key below).'),
      h('li', {}, 'Enter the 6-digit code it shows.')),
    h('div', { class: 'qr-row' }, qr,
      h('div', {}, h('p', { class: 'muted' }, 'Key'), h('code', { class: 'secret', 'data-secret': '' }, secret.replace(/(.{4})/g, '$1 ').trim()))),
    form,
  ];
}

function recoveryStep(host, codes) {
  const list = h('ol', { class: 'recovery-codes' }, codes.map((code) => h('li', {}, h('code', {}, code))));
  const copy = h('button', { type: 'button' }, 'Copy the codes');
  copy.addEventListener('click', async () => {
    await navigator.clipboard.writeText(codes.join('\n')).catch(() => {});
    copy.textContent = 'Copied';
  });
  const done = h('button', { type: 'button', class: 'primary' }, 'I have stored them');
  done.addEventListener('click', async () => {
    list.remove();  // shown once: they leave the page as soon as they are put away
    const me = await refreshCurrentUser().catch(() => ({ mfa_enabled: true }));
    mfaSection(host, me);
  });
  queueMicrotask(() => list.closest('section')?.querySelector('h2')?.focus());
  return [
    h('div', { class: 'notice ok', role: 'status' }, 'Two-factor authentication is on.'),
    h('p', {}, h('strong', {}, 'Recovery codes — shown this once. '),
      'Each one signs you in once if you lose your authenticator. Store them somewhere safe now.'),
    list,
    h('div', { class: 'actions' }, copy, done),
  ];
}

function disableStep(host, slot) {
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Turn off two-factor authentication' },
    field({ label: 'Your password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    field({ label: 'Code from the app, or a recovery code', name: 'code', autocomplete: 'one-time-code', required: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger-outline' }, 'Turn off two-factor authentication')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const { password, code } = formValues(form);
    try {
      await whileBusy(form, () => request('DELETE', '/v1/auth/mfa/totp', { body: { password, code: code.replace(/\s+/g, '') } }));
      mfaSection(host, await refreshCurrentUser());
    } catch (error) {
      showError(slot, error, form);
    }
  });
  return [h('p', {}, 'Two-factor authentication is ', h('strong', {}, 'on'), '.'), form];
}
