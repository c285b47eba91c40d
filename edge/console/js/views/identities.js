// "Sign-in providers" on My account: the identities linked to this account
// (GET/DELETE /v1/auth/identities). The last way to sign in cannot be removed (409).
import { announce, h, loading, whileBusy } from '../dom.js';
import { errorBox, showError } from '../errors.js';
import { when } from '../format.js';
import { request } from '../session.js';

export function linkedIdentities(host) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Loading linked providers…'));
  host.replaceChildren(slot, list);
  async function load() {
    try {
      const { data } = await request('GET', '/v1/auth/identities');
      if (!data.data.length) {
        list.replaceChildren(h('p', { class: 'empty' }, 'No other provider is linked to this account.'));
        return;
      }
      list.replaceChildren(h('ul', { class: 'identities' }, data.data.map((identity) => {
        const button = h('button', { type: 'button', class: 'danger-outline small' }, 'Unlink');
        const item = h('li', { 'data-identity': identity.id },
          h('strong', {}, identity.provider), ' ', identity.email || identity.subject,
          h('span', { class: 'muted' }, ` · linked ${when(identity.linked_at)} `), button);
        button.addEventListener('click', async () => {
          slot.replaceChildren();
          try {
            await whileBusy(item, () => request('DELETE', `/v1/auth/identities/${identity.id}`));
            announce('Provider unlinked.');
            load();
          } catch (error) {
            showError(slot, error);
          }
        });
        return item;
      })));
    } catch (error) {
      list.replaceChildren(errorBox(error));
    }
  }
  load();
}
