// Role, activation, MFA reset and deletion of one user, each shown only to those allowed.
import { announce, badge, confirmDialog, h, selectField, whileBusy } from '../dom.js';
import { clearErrors, showError } from '../errors.js';
import { navigate } from '../router.js';
import { request } from '../session.js';
import { saveChanges, showConflict } from './user_changes.js';

export function accessSection(page, allowed) {
  const user = page.user;
  const slot = h('div', { class: 'error-slot' });
  const section = h('section', { class: 'card', 'aria-labelledby': 'access-title' },
    h('h2', { id: 'access-title' }, 'Access'), slot);

  if (allowed.changeRole) {
    const form = h('form', { class: 'inline-form', 'aria-label': 'Role' },
      selectField({ label: 'Role', name: 'role', value: user.role,
                    options: [['user', 'User'], ['moderator', 'Moderator'], ['admin', 'Admin']] }),
      h('button', { type: 'submit' }, 'Change role'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(slot, form);
      const role = form.elements.role.value;
      if (role === user.role) return page.notify('Nothing changed.');
      await whileBusy(form, () => saveChanges(page, { role }, { slot, form }));
    });
    section.append(form);
  } else {
    section.append(h('p', {}, 'Role: ', badge(user.role, `role-${user.role}`)));
  }

  const status = h('p', {}, 'Status: ', user.is_active ? badge('active', 'ok') : badge('inactive', 'off'));
  if (allowed.changeActive) {
    const toggle = h('button', { type: 'button', class: user.is_active ? 'danger-outline' : '' },
      user.is_active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', async () => {
      clearErrors(slot);
      if (user.is_active && !await confirmDialog({
        title: `Deactivate ${user.username}?`,
        body: 'They cannot sign in, and every session they have ends at once. You can activate them again.',
        confirm: 'Deactivate', danger: true })) return;
      await whileBusy(section, () => saveChanges(page, { is_active: !user.is_active }, { slot }));
    });
    status.append(' ', toggle);
  }
  section.append(status);

  const risky = [];
  if (allowed.resetMfa) risky.push(h('button', { type: 'button', class: 'danger-outline', onclick: resetMfa }, 'Reset MFA'));
  if (allowed.remove) risky.push(h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete user'));
  if (risky.length) section.append(h('div', { class: 'actions danger-zone' }, risky));

  async function resetMfa() {
    clearErrors(slot);
    if (!await confirmDialog({
      title: `Reset MFA of ${user.username}?`,
      body: 'Their authenticator and recovery codes stop working; they sign in with their password alone until they enrol again.',
      confirm: 'Reset MFA', danger: true })) return;
    try {
      await whileBusy(section, () => request('DELETE', `/v1/users/${page.id}/mfa`));
      await page.reload();
      page.notify('MFA was reset.');
    } catch (error) {
      showError(slot, error);
    }
  }

  async function remove() {
    clearErrors(slot);
    if (!await confirmDialog({
      title: `Delete ${user.username}?`,
      body: 'The user disappears from every list and cannot sign in; the username and email stay reserved. This cannot be undone from the console.',
      confirm: 'Delete user', danger: true })) return;
    try {
      await whileBusy(section, () => request('DELETE', `/v1/users/${page.id}`, { ifMatch: page.etag }));
      announce(`${user.username} was deleted.`);
      navigate('/users');
    } catch (error) {
      if (error.status === 412) await showConflict(page, error, null);
      else showError(slot, error);
    }
  }

  return section;
}
