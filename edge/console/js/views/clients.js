// OpenID Connect clients (admin): GET /v1/oauth/clients page by page, and per client its
// redirect URIs edited, its secret rotated (shown once) or the client deleted.
import { announce, badge, confirmDialog, fill, h, latestOnly, loading, whileBusy } from '../dom.js';
import { errorBox, showError } from '../errors.js';
import { shortId, when } from '../format.js';
import { recordQuery } from '../router.js';
import { request } from '../session.js';
import { pager } from './audit_table.js';
import { openCreateClient, openEditRedirects, showSecret } from './client_dialogs.js';

const PAGE_SIZE = 20;

export function clientsView({ outlet, query }) {
  document.title = 'Clients · usersvc';
  let page = Math.max(1, Number.parseInt(query.page, 10) || 1);
  const slot = h('div', { class: 'error-slot' });
  const summary = h('p', { class: 'muted', role: 'status' });
  const results = h('div', { class: 'results' }, loading('Loading the clients…'));
  outlet.append(
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Clients'),
      h('button', { type: 'button', class: 'primary', onclick: () => openCreateClient({ after: load }) }, 'New client')),
    h('p', { class: 'muted' }, 'Applications that sign their users in through usersvc (OpenID Connect).'),
    slot, summary, results);

  const load = latestOnly(results, {
    fetch: () => request('GET', '/v1/oauth/clients', { query: { page, page_size: PAGE_SIZE } }),
    show: ({ data }) => {
      const total = data.pagination.total_items;
      summary.textContent = total ? `${total} ${total === 1 ? 'client' : 'clients'}, newest first` : '';
      fill(results, table(data.data), pager(data.pagination, goTo));
    },
    fail: (error) => {
      summary.textContent = '';
      results.replaceChildren(errorBox(error));
    },
  });

  function goTo(target) {
    page = target;
    recordQuery('/clients', page > 1 ? { page: String(page) } : {});
    load();
  }

  function table(clients) {
    if (!clients.length) return h('p', { class: 'empty' }, 'No clients yet.');
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data clients' },
      h('caption', { class: 'visually-hidden' }, 'Clients'),
      h('thead', {}, h('tr', {}, ['Name', 'Client id', 'Type', 'Redirect URIs', 'Created', '']
        .map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, clients.map(row))));
  }

  function row(client) {
    return h('tr', { 'data-client': client.client_id },
      h('td', { 'data-label': 'Name' }, client.name),
      h('td', { 'data-label': 'Client id' }, h('code', { class: 'request-id' }, client.client_id)),
      h('td', { 'data-label': 'Type' }, badge(client.type, client.type === 'confidential' ? 'info' : 'muted'),
        client.first_party ? badge('first party', 'ok') : null),
      h('td', { 'data-label': 'Redirect URIs' }, client.redirect_uris.length
        ? h('ul', { class: 'uris' }, client.redirect_uris.map((uri) => h('li', {}, h('code', {}, uri))))
        : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'Created' }, when(client.created_at)),
      h('td', { 'data-label': '' }, h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'small', onclick: () => openEditRedirects({ client, after: load }) },
          'Edit redirect URIs'),
        client.type === 'confidential'
          ? h('button', { type: 'button', class: 'small', onclick: (event) => rotate(client, event.target) }, 'Rotate secret')
          : null,
        h('button', { type: 'button', class: 'small danger-outline', onclick: (event) => remove(client, event.target) },
          'Delete'))));
  }

  async function rotate(client, button) {
    const confirmed = await confirmDialog({
      title: `Rotate the secret of ${client.name}?`,
      body: 'A new secret is made and shown once; the current one stops working at once.',
      confirm: 'Rotate secret',
    });
    if (!confirmed) return;
    slot.replaceChildren();
    try {
      const { data } = await whileBusy(button.closest('tr'),
        () => request('POST', `/v1/oauth/clients/${encodeURIComponent(client.client_id)}/secret`));
      showSecret({ title: `New secret of ${client.name}`, clientId: client.client_id, secret: data.client_secret });
    } catch (error) {
      showError(slot, error);
    }
  }

  async function remove(client, button) {
    const confirmed = await confirmDialog({
      title: `Delete ${client.name}?`,
      body: `Client ${shortId(client.client_id)}… stops working at once: every sign-in and token granted to it ends, and its users' consents are withdrawn.`,
      confirm: 'Delete client',
      danger: true,
    });
    if (!confirmed) return;
    slot.replaceChildren();
    try {
      await whileBusy(button.closest('tr'),
        () => request('DELETE', `/v1/oauth/clients/${encodeURIComponent(client.client_id)}`));
      announce(`${client.name} deleted.`);
      load();
    } catch (error) {
      showError(slot, error);
    }
  }

  load();
}
