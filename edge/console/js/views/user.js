// One user's page: profile, details, access, sessions and audit trail. `page` holds the user
// and the ETag it came with; every section that changes the user goes through it.
import { fill, h, loading } from '../dom.js';
import { errorBox } from '../errors.js';
import { allowedOn, isStaff } from '../permissions.js';
import { request } from '../session.js';
import { auditTable, pager } from './audit_table.js';
import { ownSessions, userSessions } from './sessions.js';
import { accessSection } from './user_access.js';
import { userPage } from './user_page.js';
import { detailsSection, profileSection } from './user_profile.js';

const TRAIL_PAGE_SIZE = 10;

export function userView({ outlet, params, me }) {
  document.title = 'User · usersvc';
  const title = h('h1', { tabindex: '-1' }, 'User');
  const notices = h('div', { class: 'notices' });
  const body = h('div', { class: 'user-page' }, loading('Loading the user…'));
  outlet.append(
    isStaff(me) ? h('p', { class: 'crumbs' }, h('a', { href: '#/users' }, '← Users')) : null,
    h('div', { class: 'page-head' }, title), notices, body);

  const page = userPage({ id: params.id, me, notices, render });

  function render() {
    const user = page.user;
    title.textContent = user.username;
    document.title = `${user.username} · usersvc`;
    const allowed = allowedOn(me, user);
    fill(body,
      h('div', { class: 'columns' },
        profileSection(page, allowed),
        h('div', { class: 'stack' }, detailsSection(user), accessSection(page, allowed))),
      allowed.seeSessions ? sessionsSection(page, allowed) : null,
      allowed.readAudit ? trailSection(page) : null);
  }

  body.setAttribute('aria-busy', 'true');
  page.reload()
    .catch((error) => body.replaceChildren(errorBox(error)))
    .finally(() => body.removeAttribute('aria-busy'));
}

function sessionsSection(page, allowed) {
  const host = h('div');
  if (page.me.id === page.user.id) ownSessions(host);
  else userSessions(host, page.user, { revokeEach: allowed.revokeSessions });
  return h('section', { class: 'card', 'aria-labelledby': 'sessions-title' },
    h('h2', { id: 'sessions-title' }, 'Sessions'), host);
}

function trailSection(page) {
  const results = h('div', {}, loading('Loading the audit trail…'));
  let latest = 0;  // only the latest request's answer is shown
  async function load(pageNumber) {
    const ticket = ++latest;
    results.setAttribute('aria-busy', 'true');
    try {
      const { data } = await request('GET', '/v1/audit-logs', {
        query: { entity_id: page.user.id, page: pageNumber, page_size: TRAIL_PAGE_SIZE } });
      if (ticket !== latest) return;
      fill(results, auditTable(data.data), pager(data.pagination, load));
    } catch (error) {
      if (ticket === latest) results.replaceChildren(errorBox(error));
    } finally {
      if (ticket === latest) results.removeAttribute('aria-busy');
    }
  }
  load(1);
  return h('section', { class: 'card', 'aria-labelledby': 'trail-title' },
    h('div', { class: 'section-head' },
      h('h2', { id: 'trail-title' }, 'Audit trail'),
      h('a', { href: `#/audit?entity_id=${encodeURIComponent(page.user.id)}` }, 'Open in the audit log')),
    results);
}
