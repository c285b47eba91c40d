// "New user" (admin): POST /v1/users from a modal form. Its Idempotency-Key is kept while an
// attempt's outcome is unknown (no answer, 5xx), so a retry cannot create a second user; a
// refusal (4xx) gets a new key, since the corrected body is another request.
import { field, formValues, h, selectField, whileBusy } from '../dom.js';
import { clearErrors, showError } from '../errors.js';
import { navigate } from '../router.js';
import { request } from '../session.js';

export function openCreateUser() {
  let idempotencyKey = crypto.randomUUID();
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'two-columns' },
      field({ label: 'Username', name: 'username', required: true, autocomplete: 'off', hint: '3–50 letters, digits or _' }),
      field({ label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'off' }),
      field({ label: 'First name', name: 'first_name', required: true, autocomplete: 'off' }),
      field({ label: 'Last name', name: 'last_name', required: true, autocomplete: 'off' }),
      field({ label: 'Phone (optional)', name: 'phone', type: 'tel', autocomplete: 'off' }),
      selectField({ label: 'Role', name: 'role', value: 'user',
                    options: [['user', 'User'], ['moderator', 'Moderator'], ['admin', 'Admin']] })),
    field({ label: 'Initial password', name: 'password', type: 'password', required: true, autocomplete: 'new-password',
            hint: '8–128 characters with an upper-case letter, a lower-case letter, a digit and one of !@#$%^&*' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Create user')));
  const dialog = h('dialog', { class: 'dialog wide', 'aria-labelledby': 'create-user-title' },
    h('h2', { id: 'create-user-title' }, 'New user'), slot, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const values = formValues(form);
    if (!values.phone) delete values.phone;
    try {
      const { data } = await whileBusy(form, () => request('POST', '/v1/users', {
        body: values, headers: { 'Idempotency-Key': idempotencyKey } }));
      dialog.close();
      navigate(`/users/${data.id}`);
    } catch (error) {
      if (error.status >= 400 && error.status < 500) idempotencyKey = crypto.randomUUID();
      showError(slot, error, form);
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  form.elements.username.focus();
}
