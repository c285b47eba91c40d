// A user's profile fields, editable for those allowed: only the changed fields are sent,
// with the ETag the page was loaded with.
import { badge, field, formValues, h, whileBusy } from '../dom.js';
import { clearErrors } from '../errors.js';
import { when } from '../format.js';
import { saveChanges } from './user_changes.js';

const PROFILE_FIELDS = ['username', 'email', 'first_name', 'last_name', 'phone'];

export function profileSection(page, allowed) {
  const user = page.user;
  const readonly = !allowed.editProfile;
  const identityReadonly = readonly || !allowed.editIdentity;
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'profile-title' },
    h('div', { class: 'two-columns' },
      field({ label: 'Username', name: 'username', value: user.username, readonly: identityReadonly, autocomplete: 'off' }),
      field({ label: 'Email', name: 'email', type: 'email', value: user.email, readonly: identityReadonly, autocomplete: 'off',
              hint: identityReadonly ? null : 'A new address must be verified again; the old one is told.' }),
      field({ label: 'First name', name: 'first_name', value: user.first_name, readonly, autocomplete: 'off' }),
      field({ label: 'Last name', name: 'last_name', value: user.last_name, readonly, autocomplete: 'off' }),
      field({ label: 'Phone', name: 'phone', type: 'tel', value: user.phone || '', readonly, autocomplete: 'off' }),
      allowed.reauthenticateEmail
        ? field({ label: 'Current password', name: 'current_password', type: 'password', autocomplete: 'current-password',
                  hint: 'Needed only to change your email.' })
        : null),
    allowed.editProfile ? h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save changes')) : null);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const values = formValues(form);
    const mine = {};
    for (const name of PROFILE_FIELDS) {
      const value = name === 'phone' ? (values.phone.trim() || null) : values[name].trim();
      if (value !== (user[name] ?? null)) mine[name] = value;
    }
    if (!Object.keys(mine).length) {
      page.notify('Nothing changed.');
      return;
    }
    if ('email' in mine && allowed.reauthenticateEmail && values.current_password) mine.current_password = values.current_password;
    await whileBusy(form, () => saveChanges(page, mine, { slot, form }));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'profile-title' },
    h('h2', { id: 'profile-title' }, 'Profile'), slot, form);
}

export function detailsSection(user) {
  const rows = [
    ['Id', h('code', {}, user.id)],
    ['Email', user.email_verified ? badge('verified', 'ok') : badge('not verified', 'muted')],
    ['Two-factor', 'mfa_enabled' in user ? (user.mfa_enabled ? badge('on', 'info') : badge('off', 'muted')) : '—'],
    ['Last sign-in', when(user.last_login_at)],
    ['Created', when(user.created_at)],
    ['Changed', when(user.updated_at)],
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'details-title' },
    h('h2', { id: 'details-title' }, 'Details'),
    h('dl', { class: 'details' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])));
}
