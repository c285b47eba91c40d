// The sign-in page's passkey: a username-less WebAuthn sign-in. The browser's authenticator
// answers the options of POST /v1/auth/passkeys/authentication/options; the answer goes back in
// the page's own form (CSRF token included), so the server continues the authorization as
// after a password. Without JavaScript or WebAuthn the button never shows.
const form = document.getElementById('passkey-form');

function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function signIn() {
  const answer = await fetch('/v1/auth/passkeys/authentication/options', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'same-origin',
  });
  if (!answer.ok) throw new Error('Passkeys are not available right now.');
  const options = await answer.json();
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: (options.allowCredentials || []).map((item) => ({ ...item, id: fromBase64url(item.id) })),
  };
  const credential = await navigator.credentials.get({ publicKey });
  const { response } = credential;
  form.elements.credential.value = JSON.stringify({
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  });
  form.submit();
}

if (form && window.PublicKeyCredential && navigator.credentials && window.isSecureContext) {
  const button = form.querySelector('button');
  const problem = form.querySelector('.error');
  form.hidden = false;
  button.addEventListener('click', () => {
    problem.hidden = true;
    button.disabled = true;
    signIn().catch((error) => {
      problem.textContent = error && error.name === 'NotAllowedError'
        ? 'The passkey request was cancelled or timed out.'
        : (error && error.message) || 'The passkey sign-in failed.';
      problem.hidden = false;
      button.disabled = false;
    });
  });
}
