// The Clients screen's dialogs: registering a client (POST /v1/oauth/clients), editing its
// redirect URIs (PATCH) and showing a new secret, once, with a button to copy it.
import { field, h, selectField, whileBusy } from '../dom.js';
import { clearErrors, showError } from '../errors.js';
import { request } from '../session.js';

const GRANT_TYPES = [['authorization_code', 'Authorization code'], ['refresh_token', 'Refresh token'],
  ['client_credentials', 'Client credentials (confidential clients only)']];
const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'users:read', 'users:write'];
const DEFAULT_GRANTS = ['authorization_code', 'refresh_token'];
const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

function uriList({ label, name, uris = [], hint }) {
  const id = `field-${name}-${Math.random().toString(36).slice(2, 8)}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('textarea', { id, name, rows: '3', class: 'mono', spellcheck: 'false', autocomplete: 'off',
                    'aria-describedby': `${id}-hint` }, uris.join('\n')),
    h('p', { class: 'hint', id: `${id}-hint` }, hint));
}

function lines(text) {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

function checkboxes(legend, name, options, checked) {
  return h('fieldset', { class: 'choices' }, h('legend', {}, legend),
    options.map(([value, text]) => h('label', {},
      h('input', { type: 'checkbox', name, value, checked: checked.includes(value) }), ' ', text)));
}

function modal(titleId, title, ...children) {
  const dialog = h('dialog', { class: 'dialog wide', 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), ...children);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

const REDIRECT_HINT = 'One per line, matched exactly: https, or http://127.0.0.1 / http://[::1] for native apps.';

export function openCreateClient({ after }) {
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'two-columns' },
      field({ label: 'Name', name: 'name', required: true, autocomplete: 'off', maxlength: '100' }),
      selectField({ label: 'Type', name: 'type', value: 'confidential',
                    options: [['confidential', 'Confidential (a server keeps a secret)'], ['public', 'Public (browser or native app)']] })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'first_party' }), ' First party: its users see no consent page'),
    uriList({ label: 'Redirect URIs', name: 'redirect_uris', hint: REDIRECT_HINT }),
    uriList({ label: 'Post-logout redirect URIs (optional)', name: 'post_logout_redirect_uris', hint: 'One per line.' }),
    checkboxes('Grant types', 'grant_types', GRANT_TYPES, DEFAULT_GRANTS),
    checkboxes('Scopes', 'scopes', SCOPES.map((scope) => [scope, scope]), DEFAULT_SCOPES),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Create client')));
  const dialog = modal('create-client-title', 'New client', slot, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const elements = form.elements;
    const body = {
      name: elements.name.value.trim(),
      type: elements.type.value,
      first_party: elements.first_party.checked,
      redirect_uris: lines(elements.redirect_uris.value),
      post_logout_redirect_uris: lines(elements.post_logout_redirect_uris.value),
      grant_types: [...form.querySelectorAll('input[name="grant_types"]:checked')].map((box) => box.value),
      scopes: [...form.querySelectorAll('input[name="scopes"]:checked')].map((box) => box.value),
    };
    try {
      const { data } = await whileBusy(form, () => request('POST', '/v1/oauth/clients', { body }));
      dialog.close();
      after();
      showSecret({ title: `${data.name} is registered`, clientId: data.client_id, secret: data.client_secret });
    } catch (error) {
      showError(slot, error, form);
    }
  });
  form.elements.name.focus();
}

export function openEditRedirects({ client, after }) {
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true },
    uriList({ label: 'Redirect URIs', name: 'redirect_uris', uris: client.redirect_uris, hint: REDIRECT_HINT }),
    uriList({ label: 'Post-logout redirect URIs', name: 'post_logout_redirect_uris',
              uris: client.post_logout_redirect_uris, hint: 'One per line.' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Save')));
  const dialog = modal('edit-client-title', `Redirect URIs of ${client.name}`, slot, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const body = {
      redirect_uris: lines(form.elements.redirect_uris.value),
      post_logout_redirect_uris: lines(form.elements.post_logout_redirect_uris.value),
    };
    try {
      await whileBusy(form, () => request('PATCH', `/v1/oauth/clients/${encodeURIComponent(client.client_id)}`, { body }));
      dialog.close();
      after();
    } catch (error) {
      showError(slot, error, form);
    }
  });
  form.elements.redirect_uris.focus();
}

// A secret is shown this once: it leaves the page when the dialog closes.
export function showSecret({ title, clientId, secret }) {
  const copy = h('button', { type: 'button' }, 'Copy the secret');
  copy.addEventListener('click', async () => {
    await navigator.clipboard.writeText(secret).catch(() => {});
    copy.textContent = 'Copied';
  });
  const done = h('button', { type: 'button', class: 'primary' }, secret ? 'I have stored it' : 'Done');
  const dialog = modal('client-secret-title', title,
    h('dl', { class: 'details' },
      h('dt', {}, 'Client id'), h('dd', {}, h('code', { 'data-client-id': '' }, clientId)),
      secret ? [h('dt', {}, 'Client secret'), h('dd', {}, h('code', { class: 'secret', 'data-secret': '' }, secret))] : null),
    secret
      ? h('p', { class: 'notice warn', role: 'status' }, 'Shown this once: usersvc keeps only a digest of it. Store it now.')
      : h('p', { class: 'muted' }, 'A public client has no secret: it proves itself with PKCE.'),
    h('div', { class: 'actions' }, secret ? copy : null, done));
  done.addEventListener('click', () => dialog.close());
  done.focus();
}
