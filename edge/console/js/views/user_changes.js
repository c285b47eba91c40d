// Saving changes to a user with If-Match, and what happens when someone else saved first:
// the API answers 412, nothing is written, and the operator sees their values beside the
// stored ones and chooses. Nothing is ever overwritten without that choice.
import { h } from '../dom.js';
import { errorBox, showError } from '../errors.js';
import { shown } from '../format.js';
import { request } from '../session.js';

const COMPARED = ['username', 'email', 'first_name', 'last_name', 'phone', 'role', 'is_active', 'mfa_enabled'];

// Sends `mine` (only the fields the operator changed); true when saved.
export async function saveChanges(page, mine, { slot, form = null }) {
  try {
    const { data, etag } = await request('PATCH', `/v1/users/${page.id}`, { body: mine, ifMatch: page.etag });
    page.show(data, etag);
    page.notify('Saved.');
    return true;
  } catch (error) {
    if (error.status === 412) await showConflict(page, error, mine);
    else showError(slot, error, form);
    return false;
  }
}

export async function showConflict(page, error, mine) {
  let fresh;
  try {
    fresh = await request('GET', `/v1/users/${page.id}`);
  } catch (readError) {
    page.notices.replaceChildren(errorBox(error), errorBox(readError));
    return;
  }
  const opened = page.user;
  const stored = fresh.data;
  const fields = COMPARED.filter((name) => (mine && name in mine) || opened[name] !== stored[name]);
  const title = h('h2', { tabindex: '-1' }, 'Not saved: someone else changed this user first');
  const choices = h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'primary', onclick: () => page.show(stored, fresh.etag) },
      'Show the current values'),
    mine && Object.keys(mine).length
      ? h('button', { type: 'button', onclick: () => overwrite(page, mine, fresh.etag, panel) }, 'Save mine over them')
      : null);
  const panel = h('section', { class: 'conflict', role: 'alert', 'aria-labelledby': 'conflict-title' },
    title,
    h('p', {}, 'Nothing of yours was written. Compare, then keep the stored values or save yours over them.'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data compare' },
      h('thead', {}, h('tr', {}, ['Field', 'When you opened it', 'Stored now', 'Yours'].map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, fields.map((name) => h('tr', { 'data-field': name },
        h('th', { scope: 'row' }, name),
        h('td', {}, shown(opened[name])),
        h('td', { class: 'stored' }, shown(stored[name])),
        h('td', {}, mine && name in mine ? shown(mine[name]) : '(unchanged)')))))),
    errorBox(error),
    choices);
  title.id = 'conflict-title';
  page.notices.replaceChildren(panel);
  title.focus();
}

// The operator chose to overwrite, having seen the stored values: send again with their ETag.
async function overwrite(page, mine, etag, panel) {
  const slot = h('div');
  panel.append(slot);
  try {
    const { data, etag: newEtag } = await request('PATCH', `/v1/users/${page.id}`, { body: mine, ifMatch: etag });
    page.show(data, newEtag);
    page.notify('Saved over the other change.');
  } catch (error) {
    if (error.status === 412) await showConflict(page, error, mine);
    else showError(slot, error);
  }
}
