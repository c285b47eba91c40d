// The user list: GET /v1/users with its own query (search, role, is_active, sort, page,
// page_size) kept in the address, and bulk activation for the rows selected.
import { badge, fill, h, loading, selectField, whileBusy } from '../dom.js';
import { errorBox } from '../errors.js';
import { fullName, when } from '../format.js';
import { allowedOn, isAdmin } from '../permissions.js';
import { recordQuery } from '../router.js';
import { request } from '../session.js';
import { runWithProgress } from './bulk_progress.js';
import { openCreateUser } from './user_create.js';

const DEFAULTS = { search: '', role: '', is_active: '', sort: '-created_at', page: '1', page_size: '20' };
const SORTS = [
  ['-created_at', 'Newest first'], ['created_at', 'Oldest first'], ['-updated_at', 'Recently changed'],
  ['username', 'Username A–Z'], ['-username', 'Username Z–A'], ['email', 'Email A–Z'],
  ['-email', 'Email Z–A'], ['last_name', 'Last name A–Z'], ['-last_name', 'Last name Z–A'],
];
const SEARCH_PAUSE_MS = 300;

export function usersView({ outlet, query, me }) {
  document.title = 'Users · usersvc';
  const state = { ...DEFAULTS, ...pick(query) };
  const selected = new Map();
  const filters = filterForm(state);
  const summary = h('p', { class: 'muted', id: 'users-summary', role: 'status' });
  const bulkBar = h('div', { class: 'bulk-bar', hidden: true });
  const progressHost = h('div');
  const results = h('div', { class: 'results' });
  outlet.append(
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Users'),
      isAdmin(me) ? h('button', { type: 'button', class: 'primary', onclick: () => openCreateUser() }, 'New user') : null),
    filters, summary, bulkBar, progressHost, results);

  // Filters change faster than answers come: only the latest request's answer is shown.
  let latest = 0;
  async function load() {
    const ticket = ++latest;
    selected.clear();
    renderBulkBar();
    results.setAttribute('aria-busy', 'true');
    if (!results.firstChild) results.append(loading('Loading users…'));
    try {
      const { data } = await request('GET', '/v1/users', { query: apiQuery(state) });
      if (ticket !== latest) return;
      fill(results, table(data.data), pager(data.pagination));
      const { current_page: page, page_size: size, total_items: total } = data.pagination;
      summary.textContent = total
        ? `Showing ${(page - 1) * size + 1}–${Math.min(page * size, total)} of ${total} ${total === 1 ? 'user' : 'users'}`
        : 'No users match.';
    } catch (error) {
      if (ticket !== latest) return;
      results.replaceChildren(errorBox(error));
      summary.textContent = '';
    } finally {
      if (ticket === latest) results.removeAttribute('aria-busy');
    }
  }

  function update(changes) {
    Object.assign(state, changes);
    recordQuery('/users', changed(state));
    load();
  }

  let searchTimer = null;
  filters.addEventListener('input', (event) => {
    if (event.target.name !== 'search') return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => update({ search: event.target.value.trim(), page: '1' }), SEARCH_PAUSE_MS);
  });
  filters.addEventListener('change', (event) => {
    if (event.target.name === 'search') return;
    update({ [event.target.name]: event.target.value, page: '1' });
  });
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    update({ search: filters.elements.search.value.trim(), page: '1' });
  });

  function table(users) {
    if (!users.length) return h('p', { class: 'empty' }, 'No users match these filters.');
    const all = h('input', { type: 'checkbox', 'aria-label': 'Select all users on this page' });
    const boxes = [];
    all.addEventListener('change', () => {
      for (const [box, user] of boxes) {
        box.checked = all.checked;
        if (all.checked) selected.set(user.id, user); else selected.delete(user.id);
      }
      renderBulkBar();
    });
    const rows = users.map((user) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${user.username}` });
      boxes.push([box, user]);
      box.addEventListener('change', () => {
        if (box.checked) selected.set(user.id, user); else selected.delete(user.id);
        all.checked = selected.size === users.length;
        renderBulkBar();
      });
      return h('tr', {},
        h('td', { class: 'select' }, box),
        h('td', { 'data-label': 'Username' }, h('a', { href: `#/users/${user.id}` }, user.username)),
        h('td', { 'data-label': 'Name' }, fullName(user)),
        h('td', { 'data-label': 'Email' }, user.email, ' ', user.email_verified ? null : badge('unverified', 'muted')),
        h('td', { 'data-label': 'Role' }, badge(user.role, `role-${user.role}`)),
        h('td', { 'data-label': 'Status' }, user.is_active ? badge('active', 'ok') : badge('inactive', 'off'),
          user.mfa_enabled ? badge('MFA', 'info') : null),
        h('td', { 'data-label': 'Created' }, when(user.created_at)));
    });
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('caption', { class: 'visually-hidden' }, 'Users'),
      h('thead', {}, h('tr', {}, h('th', { class: 'select', scope: 'col' }, all),
        ['Username', 'Name', 'Email', 'Role', 'Status', 'Created'].map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, rows)));
  }

  function pager({ current_page: page, total_pages: pages }) {
    if (pages <= 1) return null;
    const go = (target) => () => update({ page: String(target) });
    return h('nav', { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: page <= 1, onclick: go(page - 1) }, '‹ Previous'),
      h('span', {}, `Page ${page} of ${pages}`),
      h('button', { type: 'button', disabled: page >= pages, onclick: go(page + 1) }, 'Next ›'));
  }

  function renderBulkBar() {
    bulkBar.hidden = selected.size === 0;
    if (!selected.size) return bulkBar.replaceChildren();
    const users = [...selected.values()];
    const permitted = (user) => allowedOn(me, user).changeActive;
    bulkBar.replaceChildren(
      h('span', {}, `${users.length} selected`),
      h('button', { type: 'button', onclick: () => setActive(users, false), disabled: !users.some(permitted) }, 'Deactivate'),
      h('button', { type: 'button', onclick: () => setActive(users, true), disabled: !users.some(permitted) }, 'Activate'),
      h('button', { type: 'button', class: 'link', onclick: clearSelection }, 'Clear selection'));
  }

  function clearSelection() {
    selected.clear();
    for (const box of results.querySelectorAll('input[type="checkbox"]')) box.checked = false;
    renderBulkBar();
  }

  async function setActive(users, active) {
    // Already in that state, or not the caller's to change (oneself; an admin, for a moderator):
    // left out rather than sent to be refused.
    const targets = users.filter((user) => user.is_active !== active && allowedOn(me, user).changeActive);
    const left = users.length - targets.length;
    if (!targets.length) return;
    await whileBusy(bulkBar, () => runWithProgress({
      host: progressHost,
      title: `${active ? 'Activating' : 'Deactivating'} ${targets.length} ${targets.length === 1 ? 'user' : 'users'}`
        + (left ? ` (${left} left out: already ${active ? 'active' : 'inactive'} or not yours to change)` : ''),
      items: targets,
      describe: (user) => user.username,
      work: (user) => request('PATCH', `/v1/users/${user.id}`, { body: { is_active: active } }),
    }));
    load();
  }

  load();
}

function filterForm(state) {
  return h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter users' },
    h('div', { class: 'field grow' },
      h('label', { for: 'users-search' }, 'Search'),
      h('input', { id: 'users-search', name: 'search', type: 'search', value: state.search,
                   placeholder: 'Username, email or name', autocomplete: 'off' })),
    selectField({ label: 'Role', name: 'role', value: state.role,
                  options: [['', 'Any role'], ['user', 'User'], ['moderator', 'Moderator'], ['admin', 'Admin']] }),
    selectField({ label: 'Status', name: 'is_active', value: state.is_active,
                  options: [['', 'Any status'], ['true', 'Active'], ['false', 'Inactive']] }),
    selectField({ label: 'Sort', name: 'sort', value: state.sort, options: SORTS }),
    selectField({ label: 'Per page', name: 'page_size', value: state.page_size,
                  options: [['20', '20'], ['50', '50'], ['100', '100']] }),
    h('button', { type: 'submit', class: 'visually-hidden' }, 'Search'));
}

function pick(query) {
  return Object.fromEntries(Object.entries(query).filter(([name]) => name in DEFAULTS));
}

function apiQuery(state) {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== ''));
}

// Only what differs from the defaults goes into the address.
function changed(state) {
  return Object.fromEntries(Object.entries(state).filter(([name, value]) => value !== DEFAULTS[name]));
}
