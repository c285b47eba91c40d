// "My account": who I am, my password, my second factor and my sessions.
import { announce, badge, field, formValues, h, whileBusy } from '../dom.js';
import { clearErrors, showError } from '../errors.js';
import { request } from '../session.js';
import { mfaSection } from './account_mfa.js';
import { linkedIdentities } from './identities.js';
import { ownSessions } from './sessions.js';

export function accountView({ outlet, me }) {
  document.title = 'My account · usersvc';
  const mfaHost = h('div');
  const sessionsHost = h('div');
  const identitiesHost = h('div');
  outlet.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'My account')),
    h('div', { class: 'columns' },
      h('div', { class: 'stack' },
        card('account-profile', 'Profile',
          h('dl', { class: 'details' },
            h('dt', {}, 'Username'), h('dd', {}, me.username),
            h('dt', {}, 'Email'), h('dd', {}, me.email, ' ', me.email_verified ? badge('verified', 'ok') : badge('not verified', 'muted')),
            h('dt', {}, 'Role'), h('dd', {}, badge(me.role, `role-${me.role}`))),
          h('p', {}, h('a', { href: `#/users/${me.id}` }, 'Edit your profile'))),
        card('account-password', 'Password', passwordForm(me))),
      card('account-mfa', 'Two-factor authentication', mfaHost)),
    card('account-identities', 'Sign-in providers', identitiesHost),
    card('account-sessions', 'Your sessions', sessionsHost));
  linkedIdentities(identitiesHost);
  mfaSection(mfaHost, me);
  ownSessions(sessionsHost);
}

function card(id, title, ...content) {
  return h('section', { class: 'card', 'aria-labelledby': id },
    h('h2', { id, tabindex: '-1' }, title), ...content);
}

function passwordForm(me) {
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Change your password' },
    field({ label: 'Current password', name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    field({ label: 'New password', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true,
            hint: '8–128 characters with an upper-case letter, a lower-case letter, a digit and one of !@#$%^&*' }),
    field({ label: 'New password again', name: 'repeat', type: 'password', autocomplete: 'new-password', required: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Change password')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const { current_password: current, new_password: next, repeat } = formValues(form);
    if (next !== repeat) {
      const input = form.elements.repeat;
      input.setAttribute('aria-invalid', 'true');
      input.after(h('p', { class: 'field-error' }, 'The two new passwords differ.'));
      input.focus();
      return;
    }
    try {
      await whileBusy(form, () => request('POST', `/v1/users/${me.id}/password`, {
        body: { current_password: current, new_password: next } }));
      form.reset();
      slot.replaceChildren(h('p', { class: 'notice ok', role: 'status' }, 'Password changed. Your other sessions were signed out.'));
      announce('Password changed.');
    } catch (error) {
      showError(slot, error, form);
    }
  });
  return [slot, form];
}
