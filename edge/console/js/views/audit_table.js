// Audit rows as a table (the audit log and a user's trail): who did what to which entity,
// each changed value before and after, and the request it came from.
import { h } from '../dom.js';
import { shortId, shown, when } from '../format.js';

const FOLD_AFTER = 4;

function actorCell({ type, id }) {
  if (type === 'user') return h('a', { href: `#/users/${id}`, title: id }, `user ${shortId(id)}`);
  return h('span', { title: id }, `${type} ${id}`);
}

function entityCell(row) {
  if (row.entity_type === 'user') return h('a', { href: `#/users/${row.entity_id}`, title: row.entity_id }, `user ${shortId(row.entity_id)}`);
  return h('span', { title: row.entity_id }, `${row.entity_type} ${shortId(row.entity_id)}`);
}

// An update lists only the values that differ; a creation (no old values) lists them all,
// folded away when there are many.
function changesCell(row) {
  const before = row.old_values || {};
  const after = row.new_values || {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => !(name in before && name in after) || shown(before[name]) !== shown(after[name]));
  if (!names.length) return '—';
  const list = h('ul', { class: 'changes' }, names.map((name) => h('li', {},
    h('span', { class: 'change-field' }, name), ': ',
    name in before ? [h('del', {}, shown(before[name])), ' → '] : null,
    h('ins', {}, name in after ? shown(after[name]) : '(removed)'))));
  return names.length > FOLD_AFTER ? h('details', {}, h('summary', {}, `${names.length} values`), list) : list;
}

export function auditTable(rows) {
  if (!rows.length) return h('p', { class: 'empty' }, 'No audit rows match.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data audit' },
    h('caption', { class: 'visually-hidden' }, 'Audit rows'),
    h('thead', {}, h('tr', {}, ['When', 'Action', 'Actor', 'Entity', 'Changes', 'Request'].map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows.map((row) => h('tr', { 'data-action': row.action },
      h('td', { 'data-label': 'When' }, when(row.created_at)),
      h('td', { 'data-label': 'Action' }, h('code', {}, row.action)),
      h('td', { 'data-label': 'Actor' }, actorCell(row.actor)),
      h('td', { 'data-label': 'Entity' }, entityCell(row)),
      h('td', { 'data-label': 'Changes' }, changesCell(row)),
      h('td', { 'data-label': 'Request' }, h('code', { class: 'request-id' }, row.request_id || '—'),
        row.ip_address ? h('span', { class: 'muted block' }, row.ip_address) : null))))));
}

export function pager({ current_page: page, total_pages: pages }, go) {
  if (pages <= 1) return null;
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', disabled: page <= 1, onclick: () => go(page - 1) }, '‹ Newer'),
    h('span', {}, `Page ${page} of ${pages}`),
    h('button', { type: 'button', disabled: page >= pages, onclick: () => go(page + 1) }, 'Older ›'));
}
