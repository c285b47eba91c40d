// The signed-in operator. Tokens live only in these module variables: never in
// localStorage, sessionStorage or a cookie, so another tab, an extension reading storage or
// a later visitor of this browser finds nothing. A reload signs out; that is the price.
import { ApiError, call } from './api.js';
import { getPasskey } from './webauthn.js';

const SESSION_ENDED = new Set(['UNAUTHENTICATED', 'INVALID_TOKEN', 'TOKEN_EXPIRED']);
let accessToken = null;
let refreshToken = null;
let refreshTimer = null;
let renewal = null;
let me = null;
let endedBecause = null;
const listeners = new Set();

export function currentUser() {
  return me;
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

function announce() {
  for (const listener of listeners) listener(me);
}

// Why the last session ended (revoked, expired…), shown once on the sign-in screen.
export function takeEndReason() {
  const reason = endedBecause;
  endedBecause = null;
  return reason;
}

function keep({ access_token: access, refresh_token: refresh, expires_in: lifetime }) {
  accessToken = access;
  refreshToken = refresh;
  clearTimeout(refreshTimer);
  // Renew a minute before the access token expires (a fifth of its life when that is short).
  const lead = Math.min(60, lifetime * 0.2);
  refreshTimer = setTimeout(() => renew().catch(() => {}), Math.max(1, lifetime - lead) * 1000);
}

function forget(reason = null) {
  accessToken = null;
  refreshToken = null;
  me = null;
  endedBecause = reason;
  clearTimeout(refreshTimer);
  announce();
}

async function adopt(tokens) {
  keep(tokens);
  // The role that decides what the console offers is the API's current word on it.
  try {
    me = (await request('GET', '/v1/auth/me')).data;
  } catch (error) {
    forget();
    throw error;
  }
  announce();
}

export async function refreshCurrentUser() {
  me = (await request('GET', '/v1/auth/me')).data;
  announce();
  return me;
}

// Returns null when signed in, or the MFA challenge when a second factor is needed.
export async function signIn({ identifier, password }) {
  const field = identifier.includes('@') ? 'email' : 'username';
  const { data } = await call('POST', '/v1/auth/login', { body: { [field]: identifier, password } });
  if (data.mfa_required) return { mfaToken: data.mfa_token, expiresIn: data.expires_in };
  await adopt(data);
  return null;
}

// Back from another provider (/admin/?login_code=…): the code is spent for the login answer.
export async function signInWithCode(loginCode) {
  const { data } = await call('POST', '/v1/auth/providers/exchange', { body: { login_code: loginCode } });
  if (data.mfa_required) return { mfaToken: data.mfa_token, expiresIn: data.expires_in };
  await adopt(data);
  return null;
}

export async function verifyMfa({ mfaToken, code }) {
  const { data } = await call('POST', '/v1/auth/mfa/verify', { body: { mfa_token: mfaToken, code } });
  await adopt(data);
}

// Sign in with a passkey: alone (any discoverable passkey of this site), or with the
// mfaToken of a password sign-in as its second factor.
export async function signInWithPasskey({ mfaToken = null } = {}) {
  const body = mfaToken ? { mfa_token: mfaToken } : {};
  const { data: options } = await call('POST', '/v1/auth/passkeys/authentication/options', { body });
  const credential = await getPasskey(options);
  const { data } = await call('POST', '/v1/auth/passkeys/authentication', { body: { ...body, credential } });
  await adopt(data);
}

// One refresh at a time: a spent refresh token presented twice would revoke the session.
export function renew() {
  if (!renewal) {
    const spending = refreshToken;
    renewal = call('POST', '/v1/auth/refresh', { body: { refresh_token: spending } })
      .then(({ data }) => keep(data))
      .catch((error) => {
        if (error.status === 401) forget(error);
        throw error;
      })
      .finally(() => { renewal = null; });
  }
  return renewal;
}

export async function request(method, path, options = {}) {
  if (!accessToken) {
    throw new ApiError({ status: 401, code: 'UNAUTHENTICATED', message: 'You are signed out.' });
  }
  try {
    return await call(method, path, { ...options, bearer: accessToken });
  } catch (error) {
    if (error.status === 401 && error.code === 'TOKEN_EXPIRED' && refreshToken) {
      await renew();
      return call(method, path, { ...options, bearer: accessToken });
    }
    if (error.status === 401 && SESSION_ENDED.has(error.code)) forget(error);
    throw error;
  }
}

export async function signOut() {
  const token = accessToken;
  forget();
  if (token) await call('POST', '/v1/auth/logout', { bearer: token }).catch(() => {});
}

// The session this browser holds was revoked from the console itself.
export function endLocally() {
  forget();
}
