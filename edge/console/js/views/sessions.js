// Sessions and their revocation (DELETE /v1/auth/sessions/{id}). The API lists sessions
// only to their owner (GET /v1/auth/sessions); for anyone else an admin sees the user's
// sign-ins and revocations as the audit trail records them.
import { announce, badge, h, loading, whileBusy } from '../dom.js';
import { errorBox, showError } from '../errors.js';
import { shortId, when } from '../format.js';
import { endLocally, request } from '../session.js';

const SIGN_INS_SHOWN = 10;

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

export function ownSessions(host) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Loading your sessions…'));
  host.replaceChildren(slot, list);
  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const { data } = await request('GET', '/v1/auth/sessions');
      list.replaceChildren(sessionsTable(data.data.map((session) => h('tr', { 'data-session': session.id },
        h('td', { 'data-label': 'Started' }, when(session.created_at), ' ', session.current ? badge('this browser', 'info') : null),
        h('td', { 'data-label': 'Last used' }, when(session.last_used_at)),
        h('td', { 'data-label': 'IP address' }, session.ip_address || '—'),
        h('td', { 'data-label': 'Browser' }, h('span', { class: 'user-agent' }, session.user_agent || '—')),
        h('td', { 'data-label': '' }, revokeButton({
          session, slot, label: session.current ? 'Sign out here' : 'Revoke',
          after: session.current ? endLocally : load })))),
      ['Started', 'Last used', 'IP address', 'Browser', '']));
    } catch (error) {
      list.replaceChildren(errorBox(error));
    } finally {
      list.removeAttribute('aria-busy');
    }
  }
  load();
}

export function sessionsFromAuditTrail(host, userId) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Reading sign-ins from the audit trail…'));
  host.replaceChildren(
    h('p', { class: 'muted' }, `The API lists sessions only to their owner, so these are this user's last ${SIGN_INS_SHOWN} sign-ins from the audit trail. One that was not revoked may still have expired.`),
    slot, list);
  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const { data } = await request('GET', '/v1/audit-logs', {
        query: { entity_id: userId, action: 'auth.login', page_size: SIGN_INS_SHOWN } });
      const signIns = data.data.filter((row) => row.new_values && row.new_values.session_id);
      const revocations = await Promise.all(signIns.map((row) => request('GET', '/v1/audit-logs', {
        query: { entity_id: row.new_values.session_id, action: 'session.revoke', page_size: 1 } })));
      if (!signIns.length) {
        list.replaceChildren(h('p', { class: 'empty' }, 'No sign-ins recorded.'));
        return;
      }
      list.replaceChildren(sessionsTable(signIns.map((row, index) => {
        const session = { id: row.new_values.session_id };
        const [revoked] = revocations[index].data.data;
        return h('tr', { 'data-session': session.id },
          h('td', { 'data-label': 'Signed in' }, when(row.created_at), ' ',
            row.new_values.second_factor ? badge('MFA', 'info') : null),
          h('td', { 'data-label': 'Session' }, h('code', { title: session.id }, shortId(session.id))),
          h('td', { 'data-label': 'IP address' }, row.ip_address || '—'),
          h('td', { 'data-label': 'Browser' }, h('span', { class: 'user-agent' }, row.user_agent || '—')),
          h('td', { 'data-label': 'State' }, revoked
            ? badge(`revoked ${when(revoked.created_at)}`, 'off')
            : revokeButton({ session, slot, label: 'Revoke', after: load })));
      }), ['Signed in', 'Session', 'IP address', 'Browser', 'State']));
    } catch (error) {
      list.replaceChildren(errorBox(error));
    } finally {
      list.removeAttribute('aria-busy');
    }
  }
  load();
}
