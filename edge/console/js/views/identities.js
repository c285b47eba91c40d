// "Sign-in providers" on My account: the identities linked to this account
// (GET/DELETE /v1/auth/identities; the last way to sign in cannot be removed, 409), and
// "Link …" for each enabled provider: its sign-in in a popup (link_flow.js), then
// POST /v1/auth/identities/link with this session's bearer.
import { announce, h, loading, whileBusy } from '../dom.js';
import { errorBox, showError } from '../errors.js';
import { call } from '../api.js';
import { when } from '../format.js';
import { loginCodeFrom } from '../link_flow.js';
import { request } from '../session.js';

export function linkedIdentities(host) {
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Loading linked providers…'));
  const offered = h('div', { class: 'link-providers' });
  host.replaceChildren(slot, list, offered);
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
  linkButtons(offered, slot, load);
}

// One "Link <name>" per enabled provider (GET /v1/auth/providers); none offered, nothing shown.
async function linkButtons(host, slot, reload) {
  let providers;
  try {
    providers = (await call('GET', '/v1/auth/providers')).data.data;
  } catch (error) {
    host.replaceChildren(errorBox(error));
    return;
  }
  if (!providers.length) return;
  const waiting = h('div', { class: 'link-waiting', role: 'status' });
  host.replaceChildren(h('p', { class: 'muted' }, 'Link another provider, to sign in with it too:'),
    h('ul', { class: 'provider-links' }, providers.map((provider) => {
      const button = h('button', { type: 'button', 'data-provider': provider.slug }, `Link ${provider.name}`);
      button.addEventListener('click', () => link(provider, host, waiting, slot, reload));
      return h('li', {}, button);
    })), waiting);
}

async function link(provider, host, waiting, slot, reload) {
  slot.replaceChildren();
  let cancel;
  const cancelled = new Promise((resolve) => { cancel = resolve; });
  const stop = h('button', { type: 'button', class: 'small', onclick: () => cancel() }, 'Cancel');
  waiting.replaceChildren(h('p', {}, `Sign in to ${provider.name} in the new window… `, stop));
  const buttons = [...host.querySelectorAll('.provider-links button')];
  for (const button of buttons) button.disabled = true;
  try {
    const loginCode = await loginCodeFrom(provider, { cancelled });
    waiting.replaceChildren(h('p', {}, `Linking ${provider.name}…`));
    // The binding cookie (set when this browser started the sign-in) goes with this call.
    const { data } = await request('POST', '/v1/auth/identities/link', {
      body: { login_code: loginCode }, credentials: 'same-origin' });
    announce(`${provider.name} linked.`);
    waiting.replaceChildren(h('p', { class: 'notice ok' }, `${provider.name} is linked (${data.email || data.subject}).`));
    reload();
  } catch (error) {
    waiting.replaceChildren();
    if (error.code !== 'CANCELLED') showError(slot, error);
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}
