// Identity providers (admins): the providers people may sign in with, through
// /v1/identity-providers. The callback URL of each is what to register at the provider.
import { announce, badge, field, formValues, h, loading, selectField, whileBusy } from '../dom.js';
import { clearErrors, errorBox, showError } from '../errors.js';
import { request } from '../session.js';

export function providersView({ outlet }) {
  document.title = 'Identity providers · usersvc';
  const slot = h('div', { class: 'error-slot' });
  const list = h('div', {}, loading('Loading providers…'));
  outlet.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Identity providers')),
    h('p', { class: 'muted' }, 'People can sign in with these providers. Register each one\'s callback URL there as its redirect URI.'),
    slot, list,
    h('section', { class: 'card', 'aria-labelledby': 'provider-add' },
      h('h2', { id: 'provider-add' }, 'Add a provider'), addForm(() => load())));
  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const { data } = await request('GET', '/v1/identity-providers');
      list.replaceChildren(data.data.length ? table(data.data, slot, load) : h('p', { class: 'empty' }, 'No providers yet.'));
    } catch (error) {
      list.replaceChildren(errorBox(error));
    } finally {
      list.removeAttribute('aria-busy');
    }
  }
  load();
}

function table(providers, slot, reload) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data providers' },
    h('caption', { class: 'visually-hidden' }, 'Identity providers'),
    h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Callback URL', 'Accounts', '']
      .map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, providers.map((provider) => h('tr', { 'data-provider': provider.slug },
      h('td', { 'data-label': 'Name' }, provider.name, ' ', provider.enabled ? null : badge('disabled', 'off')),
      h('td', { 'data-label': 'Kind' }, provider.kind === 'oidc' ? 'OpenID Connect' : 'OAuth 2'),
      h('td', { 'data-label': 'Callback URL' }, h('code', {}, provider.callback_url)),
      h('td', { 'data-label': 'Accounts' }, provider.creates_accounts ? 'creates accounts' : 'existing only',
        provider.trusts_email_verified ? ' · trusts verified addresses' : '',
        provider.trusts_amr_second_factor ? ' · its second factor stands for ours' : ''),
      h('td', { 'data-label': '' }, provider.kind === 'oidc' ? amrTrustButton(provider, slot, reload) : null,
        removeButton(provider, slot, reload)))))));
}

// trusts_amr_second_factor (OpenID Connect only): an account with two-factor authentication
// skips our code step when the provider's ID token says (amr) it asked for a second factor.
function amrTrustButton(provider, slot, reload) {
  const trusted = provider.trusts_amr_second_factor;
  const button = h('button', { type: 'button', class: 'small', 'aria-pressed': String(trusted) },
    trusted ? 'Stop trusting its second factor' : 'Trust its second factor');
  button.addEventListener('click', async () => {
    slot.replaceChildren();
    try {
      await whileBusy(button.closest('tr'), () => request('PATCH', `/v1/identity-providers/${provider.slug}`, {
        body: { trusts_amr_second_factor: !trusted } }));
      announce(trusted ? 'Its second factor is no longer trusted.' : 'Its second factor is trusted.');
      reload();
    } catch (error) {
      showError(slot, error);
    }
  });
  return button;
}

function removeButton(provider, slot, reload) {
  const button = h('button', { type: 'button', class: 'danger-outline small' }, 'Remove');
  button.addEventListener('click', async () => {
    if (!window.confirm(`Remove ${provider.name}? Identities linked through it are removed too.`)) return;
    slot.replaceChildren();
    try {
      await whileBusy(button.closest('tr'), () => request('DELETE', `/v1/identity-providers/${provider.slug}`));
      announce('Provider removed.');
      reload();
    } catch (error) {
      showError(slot, error);
    }
  });
  return button;
}

function addForm(after) {
  const slot = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Add a provider' },
    field({ label: 'Slug', name: 'slug', required: true, hint: 'In URLs: a-z, 0-9 and -' }),
    field({ label: 'Name', name: 'name', required: true, hint: 'Shown as "Continue with <name>"' }),
    selectField({ label: 'Kind', name: 'kind', options: [['oidc', 'OpenID Connect'], ['oauth2', 'OAuth 2 (GitHub-style)']] }),
    field({ label: 'Issuer (OpenID Connect)', name: 'issuer', type: 'url' }),
    field({ label: 'Authorization endpoint (OAuth 2)', name: 'authorization_endpoint', type: 'url' }),
    field({ label: 'Token endpoint (OAuth 2)', name: 'token_endpoint', type: 'url' }),
    field({ label: 'User-info endpoint (OAuth 2)', name: 'userinfo_endpoint', type: 'url' }),
    field({ label: 'Client ID', name: 'client_id', required: true }),
    field({ label: 'Client secret', name: 'client_secret', type: 'password', autocomplete: 'off', required: true }),
    field({ label: 'Scopes', name: 'scopes', hint: 'Space-separated; empty for the usual ones' }),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'creates_accounts' }), ' May create accounts'),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'trusts_email_verified' }), ' Trust its verified addresses'),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'trusts_amr_second_factor' }),
      ' Trust its second factor (OpenID Connect: an "amr" with mfa, otp, hwk… skips our code step)'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add provider')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(slot, form);
    const values = formValues(form);
    const body = { slug: values.slug.trim(), name: values.name.trim(), kind: values.kind,
      client_id: values.client_id.trim(), client_secret: values.client_secret,
      creates_accounts: Boolean(values.creates_accounts), trusts_email_verified: Boolean(values.trusts_email_verified),
      trusts_amr_second_factor: Boolean(values.trusts_amr_second_factor) };
    const endpoints = values.kind === 'oidc' ? ['issuer'] : ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'];
    for (const name of endpoints) body[name] = values[name].trim();
    if (values.scopes.trim()) body.scopes = values.scopes.trim().split(/\s+/);
    if (values.kind === 'oauth2') {
      body.claims = { subject: 'id', email: 'email', email_verified: null, username: 'login', first_name: 'name', last_name: null };
    }
    try {
      const { data } = await whileBusy(form, () => request('POST', '/v1/identity-providers', { body }));
      form.reset();
      slot.replaceChildren(h('p', { class: 'notice ok', role: 'status' },
        `Added. Register ${data.callback_url} as the redirect URI at the provider.`));
      announce('Provider added.');
      after();
    } catch (error) {
      showError(slot, error, form);
    }
  });
  return [slot, form];
}
