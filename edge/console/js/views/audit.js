// The audit log (admin): GET /v1/audit-logs filtered by entity, actor and action.
import { field, fill, formValues, h, latestOnly, loading, selectField } from '../dom.js';
import { errorBox } from '../errors.js';
import { recordQuery } from '../router.js';
import { request } from '../session.js';
import { auditTable, pager } from './audit_table.js';

const DEFAULTS = { entity_id: '', actor_id: '', action: '', page: '1', page_size: '50' };
// Suggestions only: the filter takes any action name.
const KNOWN_ACTIONS = ['user.create', 'user.update', 'user.replace', 'user.delete', 'user.change_password',
  'user.register', 'user.verify_email', 'user.reset_password', 'user.import', 'user.mfa_disable', 'auth.login',
  'auth.mfa_enable', 'auth.mfa_disable', 'session.revoke'];

export function auditView({ outlet, query }) {
  document.title = 'Audit log · usersvc';
  const state = { ...DEFAULTS, ...Object.fromEntries(Object.entries(query).filter(([name]) => name in DEFAULTS)) };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    field({ label: 'Entity id', name: 'entity_id', value: state.entity_id, autocomplete: 'off', class: 'mono' }),
    field({ label: 'Actor id', name: 'actor_id', value: state.actor_id, autocomplete: 'off', class: 'mono' }),
    field({ label: 'Action', name: 'action', value: state.action, list: 'audit-actions', autocomplete: 'off' }),
    h('datalist', { id: 'audit-actions' }, KNOWN_ACTIONS.map((action) => h('option', { value: action }))),
    selectField({ label: 'Per page', name: 'page_size', value: state.page_size,
                  options: [['20', '20'], ['50', '50'], ['100', '100']] }),
    h('div', { class: 'actions end' },
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
      h('button', { type: 'reset' }, 'Clear')));
  const summary = h('p', { class: 'muted', role: 'status' });
  const results = h('div', { class: 'results' }, loading('Loading the audit log…'));
  outlet.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Audit log')), form, summary, results);

  const load = latestOnly(results, {
    fetch: () => request('GET', '/v1/audit-logs', {
      query: Object.fromEntries(Object.entries(state).filter(([, value]) => value !== '')) }),
    show: ({ data }) => {
      const total = data.pagination.total_items;
      summary.textContent = `${total} ${total === 1 ? 'row' : 'rows'}, newest first`;
      fill(results, auditTable(data.data), pager(data.pagination, (page) => update({ page: String(page) })));
    },
    fail: (error) => {
      summary.textContent = '';
      results.replaceChildren(errorBox(error));
    },
  });

  function update(changes) {
    Object.assign(state, changes);
    recordQuery('/audit', Object.fromEntries(Object.entries(state).filter(([name, value]) => value !== DEFAULTS[name])));
    load();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(form);
    update({ entity_id: values.entity_id.trim(), actor_id: values.actor_id.trim(), action: values.action.trim(),
             page_size: values.page_size, page: '1' });
  });
  form.addEventListener('reset', (event) => {
    event.preventDefault();  // a plain reset would restore the values the page opened with
    for (const name of ['entity_id', 'actor_id', 'action']) form.elements[name].value = '';
    form.elements.page_size.value = DEFAULTS.page_size;
    update({ ...DEFAULTS });
  });
  load();
}
