// Sessions: one's own (GET /v1/auth/sessions, revoked one by one with DELETE
// /v1/auth/sessions/{id}, or all but this one), and another user's as an admin or moderator
// sees them (GET /v1/users/{id}/sessions: live and ended, how and by whom; DELETE ends them all).
import { announce, badge, confirmDialog, h, loading, whileBusy } from '../dom.js';
import { errorBox, showError } from '../errors.js';
import { shortId, when } from '../format.js';
import { endLocally, request } from '../session.js';

const END_REASONS = {
  logout: 'signed out',
  revoked: 'revoked',
  expired: 'expired',
  refresh_reuse: 'refresh token reused',
  password_change: 'password changed',
  deactivated: 'user deactivated',
};
const KINDS = { api: 'sign-in', browser: 'provider sign-in', grant: 'app' };

function sessionsTable(rows, columns) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data sessions' },
    h('caption', { class: 'visually-hidden' }, 'Sessions'),
    h('thead', {}, h('tr', {}, columns.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows)));
}

function revokeButton({ session, label, slot, after }) {
  const button = h('button', { type: 'button', class: 'danger-outline small', 'data-session': session.id }, label);
  button.addEventListener('click', async () => {
    slot.replaceChildren();
    try {
      await whileBusy(button.closest('tr'), () => request('DELETE', `/v1/auth/sessions/${session.id}`));
      announce('Session revoked.');
      after();
    } catch (error) {
      showError(slot, error);
    }
  });
  return button;
}

// Loads with `fetchRows` into `list`, marking it busy meanwhile; failures show in place.
async function loadInto(list, fetchRows) {
  list.setAttribute('aria-busy', 'true');
  try {
    list.replaceChildren(...await fetchRows());
  } catch (error) {
    list.replaceChildren(errorBox(error));
  } finally {
    list.removeAttribute('aria-busy');
  }
}

export function ownSessions(host) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Loading your sessions…'));
  const actions = h('div', { class: 'actions' });
  host.replaceChildren(slot, list, actions);
  async function rows() {
    const { data } = await request('GET', '/v1/auth/sessions');
    const others = data.data.filter((session) => !session.current);
    actions.replaceChildren(others.length ? signOutOthers(others) : h('p', { class: 'muted' }, 'No other sessions.'));
    return [sessionsTable(data.data.map((session) => h('tr', { 'data-session': session.id },
      h('td', { 'data-label': 'Started' }, when(session.created_at), ' ', session.current ? badge('this browser', 'info') : null),
      h('td', { 'data-label': 'Last used' }, when(session.last_used_at)),
      h('td', { 'data-label': 'IP address' }, session.ip_address || '—'),
      h('td', { 'data-label': 'Browser' }, h('span', { class: 'user-agent' }, session.user_agent || '—')),
      h('td', { 'data-label': '' }, revokeButton({
        session, slot, label: session.current ? 'Sign out here' : 'Revoke',
        after: session.current ? endLocally : load })))),
    ['Started', 'Last used', 'IP address', 'Browser', ''])];
  }
  function signOutOthers(others) {
    const button = h('button', { type: 'button', class: 'danger-outline' }, 'Sign out other sessions');
    button.addEventListener('click', async () => {
      slot.replaceChildren();
      try {
        // One revocation each: the API ends one's own sessions one by one; this one stays.
        await whileBusy(host, () => Promise.all(others.map((session) =>
          request('DELETE', `/v1/auth/sessions/${session.id}`).catch((error) => {
            if (error.status !== 404) throw error;  // ended meanwhile: that is what was asked
          }))));
        announce('Your other sessions were signed out.');
        slot.replaceChildren(h('p', { class: 'notice ok', role: 'status' }, 'Your other sessions were signed out.'));
      } catch (error) {
        showError(slot, error);
      }
      load();
    });
    return button;
  }
  const load = () => loadInto(list, rows);
  load();
}

function endedBy({ ended_by: by }, user) {
  if (!by) return '';
  if (by.type === 'service') return ` by the service ${by.id}`;
  return by.id === user.id ? ' by the user' : ` by user ${shortId(by.id)}`;
}

function endedCell(session, user) {
  if (!session.end_reason) return badge('live', 'ok');
  const by = endedBy(session, user);
  return h('span', {}, badge(END_REASONS[session.end_reason] || session.end_reason, 'off'),
    h('span', { class: 'muted' }, `${when(session.ended_at)}${by}`));
}

// Another user's sessions, for an admin (who may also revoke one) or a moderator (plain users).
export function userSessions(host, user, { revokeEach }) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Loading the sessions…'));
  const endAll = h('button', { type: 'button', class: 'danger-outline' }, 'End all sessions');
  endAll.addEventListener('click', async () => {
    slot.replaceChildren();
    if (!await confirmDialog({
      title: `End every session of ${user.username}?`,
      body: 'They are signed out everywhere at once, apps they allowed included; they can sign in again.',
      confirm: 'End all sessions', danger: true })) return;
    try {
      await whileBusy(host, () => request('DELETE', `/v1/users/${user.id}/sessions`));
      announce('Every session was ended.');
      slot.replaceChildren(h('p', { class: 'notice ok', role: 'status' }, 'Every session was ended.'));
    } catch (error) {
      showError(slot, error);
    }
    load();
  });
  host.replaceChildren(slot, list, h('div', { class: 'actions' }, endAll));
  async function rows() {
    const { data } = await request('GET', `/v1/users/${user.id}/sessions`);
    endAll.disabled = !data.data.some((session) => !session.end_reason);
    if (!data.data.length) return [h('p', { class: 'empty' }, 'No sessions.')];
    return [sessionsTable(data.data.map((session) => h('tr', { 'data-session': session.id },
      h('td', { 'data-label': 'Started' }, when(session.created_at), ' ',
        session.kind !== 'api' ? badge(KINDS[session.kind] || session.kind, 'info') : null),
      h('td', { 'data-label': 'Last used' }, when(session.last_used_at)),
      h('td', { 'data-label': 'IP address' }, session.ip_address || '—'),
      h('td', { 'data-label': 'Browser' }, h('span', { class: 'user-agent' }, session.user_agent || '—')),
      h('td', { 'data-label': 'State' }, endedCell(session, user)),
      h('td', { 'data-label': '' }, revokeEach && !session.end_reason
        ? revokeButton({ session, slot, label: 'Revoke', after: load }) : null))),
    ['Started', 'Last used', 'IP address', 'Browser', 'State', ''])];
  }
  const load = () => loadInto(list, rows);
  load();
}
