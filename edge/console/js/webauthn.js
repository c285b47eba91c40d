// Passkeys in the browser: the API's options (JSON, binary fields base64url) to what
// navigator.credentials.create/get take, and the credential they give back to the JSON the
// API reads (RegistrationResponseJSON, AuthenticationResponseJSON).
import { ApiError } from './api.js';

export function passkeysSupported() {
  return Boolean(window.PublicKeyCredential && navigator.credentials && window.isSecureContext);
}

export function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)).buffer;
}

export function toBase64url(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptors(list = []) {
  return list.map((descriptor) => ({ ...descriptor, id: fromBase64url(descriptor.id) }));
}

export async function createPasskey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
  const credential = await navigator.credentials.create({ publicKey });
  const { response } = credential;
  return asJSON(credential, {
    attestationObject: toBase64url(response.attestationObject),
    transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
  });
}

export async function getPasskey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  };
  const credential = await navigator.credentials.get({ publicKey });
  const { response } = credential;
  return asJSON(credential, {
    authenticatorData: toBase64url(response.authenticatorData),
    signature: toBase64url(response.signature),
    userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
  });
}

// The PublicKeyCredential as its toJSON() has it (not every browser has toJSON yet).
function asJSON(credential, response) {
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: { clientDataJSON: toBase64url(credential.response.clientDataJSON), ...response },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
}

const CEREMONY_MESSAGES = {
  NotAllowedError: 'The passkey request was cancelled or timed out.',
  InvalidStateError: 'This authenticator already holds a passkey of yours.',
  SecurityError: 'Passkeys are not available on this address.',
};

// The browser's refusals (the user cancelled, no passkey here, a timeout) shown as the API's are.
export function shownError(error) {
  if (error instanceof ApiError) return error;
  const name = (error && error.name) || 'Error';
  return new ApiError({ status: 0, code: `PASSKEY_${name.replace(/Error$/, '').toUpperCase() || 'FAILED'}`,
                        message: CEREMONY_MESSAGES[name] || (error && error.message) || 'The passkey request failed.' });
}
