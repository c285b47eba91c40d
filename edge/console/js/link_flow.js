// "Link another provider" (My account). The console keeps its tokens in memory only, so
// leaving the page would sign out: the provider's sign-in runs in a popup window instead.
// The popup comes back to /admin/?link=<nonce>&login_code=…; that page hands the code to the
// page that asked for it over a BroadcastChannel (the console's Cross-Origin-Opener-Policy
// cuts window.opener on the way through the provider) and closes. The asking page links it
// with its bearer (POST /v1/auth/identities/link), which the API accepts only from the
// browser that started the sign-in: its binding cookie goes with that one call.
import { ApiError } from './api.js';

const CHANNEL = 'usersvc-link-identity';
const WAIT_MS = 10 * 60 * 1000;  // a sign-in's state lives ten minutes (docs/identity-providers.md)

// This page is such a return: its nonce and code, taken out of the address at once so that
// neither history nor a bookmark keeps the code; the plain sign-in (sign_in.js) leaves a
// ?link= address alone.
const params = new URLSearchParams(location.search);
const returned = params.has('link') && params.has('login_code')
  ? { nonce: params.get('link'), loginCode: params.get('login_code') } : null;
if (returned) {
  params.delete('link');
  params.delete('login_code');
  const search = params.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}

// In the popup: hand the code over and close. True when this page load was a link return.
export function finishLinkInPopup() {
  if (!returned) return false;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(returned);
  channel.close();
  setTimeout(() => window.close(), 300);
  return true;
}

function nonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// On My account: the provider's sign-in in a popup; resolves with the login code that comes
// back for this request (a code for any other nonce is not ours), rejects when cancelled.
export function loginCodeFrom(provider, { cancelled }) {
  const wanted = nonce();
  const returnTo = `${location.origin}${location.pathname}?${new URLSearchParams({ link: wanted })}`;
  const channel = new BroadcastChannel(CHANNEL);
  const popup = window.open(`${provider.start_url}?${new URLSearchParams({ return_to: returnTo })}`,
    'usersvc-link', 'popup,width=520,height=700');
  if (!popup) {
    channel.close();
    return Promise.reject(new ApiError({ status: 0, code: 'POPUP_BLOCKED',
      message: 'The browser blocked the sign-in window. Allow pop-ups for this site and try again.' }));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(null), WAIT_MS);
    function finish(code) {
      clearTimeout(timer);
      channel.close();
      if (code) resolve(code);
      else reject(new ApiError({ status: 0, code: 'CANCELLED', message: `Linking ${provider.name} was cancelled.` }));
    }
    channel.onmessage = ({ data }) => {
      if (data && data.nonce === wanted && typeof data.loginCode === 'string') finish(data.loginCode);
    };
    cancelled.then(() => finish(null));
  });
}
