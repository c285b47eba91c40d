// "My account", for every user: my profile, password, second factor, passkeys, security
// mails and sessions. Plain users see only this (main.js); nothing here needs more than one's own rights.
import { announce, badge, field, fill, formValues, h, loading, whileBusy } from '../dom.js';
import { clearErrors, errorBox, showError } from '../errors.js';
import { allowedOn } from '../permissions.js';
import { refreshCurrentUser, request } from '../session.js';
import { mfaSection } from './account_mfa.js';
import { passkeysSection } from './account_passkeys.js';
import { linkedIdentities } from './identities.js';
import { ownSessions } from './sessions.js';
import { userPage } from './user_page.js';
import { profileSection } from './user_profile.js';

export function accountView({ outlet, me }) {
  document.title = 'My account · usersvc';
  const profileHost = h('div', {}, loading('Loading your profile…'));
  const mfaHost = h('div');
  const passkeysHost = h('div');
  const sessionsHost = h('div');
  const notices = h('div', { class: 'notices' });
  const identitiesHost = h('div');
  outlet.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'My account'),
      h('span', {}, badge(me.role, `role-${me.role}`),
        me.email_verified ? badge('email verified', 'ok') : badge('email not verified', 'muted'))),
    notices,
    h('div', { class: 'columns' },
      profileHost,
      h('div', { class: 'stack' },
        card('account-password', 'Password', passwordForm(me)),
        card('account-mfa', 'Two-factor authentication', mfaHost),
        card('account-passkeys', 'Passkeys', passkeysHost),
        card('account-notifications', 'Security mails', notificationsForm()))),
    card('account-identities', 'Sign-in providers', identitiesHost),
    card('account-sessions', 'Your sessions', sessionsHost));
  ownProfile(profileHost, me, notices);
  linkedIdentities(identitiesHost);
  mfaSection(mfaHost, me);
  passkeysSection(passkeysHost);
  ownSessions(sessionsHost);
}

// The user page's profile form (PATCH with If-Match), on one's own user.
function ownProfile(host, me, notices) {
  const page = userPage({
    id: me.id, me, notices, render: () => fill(host, profileSection(page, allowedOn(me, page.user))) });
  const notify = page.notify;
  page.notify = (text) => {
    notify(text);
    refreshCurrentUser().catch(() => {});  // the name at the top follows
  };
  page.reload().catch((error) => host.replaceChildren(errorBox(error)));
}

function notificationsForm() {
  const slot = h('div', { class: 'error-slot' });
  const box = h('input', { type: 'checkbox', name: 'new_sign_in', id: 'notify-new-sign-in', disabled: true });
  const form = h('form', { class: 'stack', 'aria-label': 'Security mails' },
    h('p', { class: 'muted' }, 'Changes to your password, email and two-factor authentication are always mailed to you.'),
    h('div', { class: 'checkbox' }, box,
      h('label', { for: 'notify-new-sign-in' }, 'Mail me when my account is signed in to from a new device and network')));
  request('GET', '/v1/auth/notifications')
    .then(({ data }) => { box.checked = data.new_sign_in; box.disabled = false; })
    .catch((error) => showError(slot, error));
  box.addEventListener('change', async () => {
    clearErrors(slot, form);
    const wanted = box.checked;
    try {
      const { data } = await whileBusy(form, () => request('PATCH', '/v1/auth/notifications', { body: { new_sign_in: wanted } }));
      box.checked = data.new_sign_in;
      announce(data.new_sign_in ? 'New sign-in mails are on.' : 'New sign-in mails are off.');
    } catch (error) {
      box.checked = !wanted;
      showError(slot, error, form);
    }
  });
  return [slot, form];
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
