// One's own passkeys: the list (name, authenticator, synced or not, created, last used),
// adding one (password again → the browser makes it → the API keeps it), renaming one, and
// removing one (password again).
import { announce, badge, field, formValues, h, loading, whileBusy } from '../dom.js';
import { clearErrors, showError } from '../errors.js';
import { when } from '../format.js';
import { request } from '../session.js';
import { createPasskey, passkeysSupported, shownError } from '../webauthn.js';

export function passkeysSection(host) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', { class: 'passkey-list' }, loading());
  host.replaceChildren(slot, list, ...(passkeysSupported() ? [addForm(slot, list)] : [unsupported()]));
  refresh(slot, list);
}

function unsupported() {
  return h('p', { class: 'muted' }, 'This browser cannot make passkeys here (they need HTTPS, or localhost).');
}

async function refresh(slot, list) {
  try {
    const { data } = await request('GET', '/v1/auth/passkeys');
    list.replaceChildren(data.data.length
      ? h('ul', { class: 'passkeys', 'aria-label': 'Your passkeys' }, data.data.map((passkey) => item(slot, list, passkey)))
      : h('p', { class: 'muted' }, 'You have no passkeys yet.'));
  } catch (error) {
    list.replaceChildren();
    showError(slot, error);
  }
}

function item(slot, list, passkey) {
  const row = h('li', { class: 'passkey', 'data-passkey': passkey.id });
  const show = () => row.replaceChildren(
    h('div', {},
      h('strong', { class: 'passkey-name' }, passkey.name), ' ',
      passkey.backed_up ? badge('synced', 'ok') : badge('this device', 'muted'),
      passkey.authenticator ? [' ', h('span', { class: 'muted' }, passkey.authenticator)] : null),
    h('p', { class: 'muted' }, `Added ${when(passkey.created_at)} · last used ${when(passkey.last_used_at)}`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => row.replaceChildren(renameForm()) }, 'Rename'),
      h('button', { type: 'button', class: 'danger-outline', onclick: () => row.replaceChildren(removeForm()) }, 'Remove')));
  const renameForm = () => {
    const form = h('form', { class: 'stack', novalidate: true, 'aria-label': `Rename ${passkey.name}` },
      field({ label: 'New name', name: 'name', value: passkey.name, maxlength: '100', required: true }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Save'),
        h('button', { type: 'button', onclick: show }, 'Cancel')));
    onSubmit(form, slot, () => request('PATCH', `/v1/auth/passkeys/${passkey.id}`, { body: formValues(form) }), () => {
      announce('Passkey renamed.');
      refresh(slot, list);
    });
    queueMicrotask(() => form.elements.name.select());
    return form;
  };
  const removeForm = () => {
    const form = h('form', { class: 'stack', novalidate: true, 'aria-label': `Remove ${passkey.name}` },
      h('p', {}, 'Remove ', h('strong', {}, passkey.name), '? It will no longer sign you in.'),
      field({ label: 'Your password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'danger' }, 'Remove passkey'),
        h('button', { type: 'button', onclick: show }, 'Cancel')));
    onSubmit(form, slot, () => request('DELETE', `/v1/auth/passkeys/${passkey.id}`, { body: formValues(form) }), () => {
      announce('Passkey removed.');
      refresh(slot, list);
    });
    queueMicrotask(() => form.elements.password.focus());
    return form;
  };
  show();
  return row;
}

// A form whose submit runs `work` (busy meanwhile), then `done`; a failure is shown in `slot`.
function onSubmit(form, slot, work, done) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    try {
      await whileBusy(form, work);
    } catch (error) {
      showError(slot, shownError(error), form);
      return;
    }
    done();
  });
}

function addForm(slot, list) {
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Add a passkey' },
    field({ label: 'Name', name: 'name', value: 'Passkey', maxlength: '100', required: true,
            hint: 'So you can tell your passkeys apart, e.g. "Work laptop".' }),
    field({ label: 'Your password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
            hint: 'Asked again before a passkey is added.' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add a passkey')));
  onSubmit(form, slot, async () => {
    const { name, password } = formValues(form);
    const { data: options } = await request('POST', '/v1/auth/passkeys/registration/options', { body: { password } });
    const credential = await createPasskey(options);
    await request('POST', '/v1/auth/passkeys', { body: { credential, name: name.trim() || 'Passkey' } });
  }, () => {
    form.elements.password.value = '';
    slot.replaceChildren(h('p', { class: 'notice ok', role: 'status' }, 'Passkey added. You can sign in with it now.'));
    announce('Passkey added.');
    refresh(slot, list);
  });
  return form;
}
