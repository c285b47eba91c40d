"""A software passkey authenticator for tests: an EC P-256 key made with `cryptography`,
attestation "none", and the JSON a browser hands the page (RegistrationResponseJSON,
AuthenticationResponseJSON), so passkeys are tested without a browser."""

import base64
import copy
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

RP_ID = "localhost"  # the test stack's WEBAUTHN_RP_ID (tests/support.py)
UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One discoverable credential. `synced`: backup eligible and backed up (a synced passkey)."""

    def __init__(self, origin: str, *, rp_id: str = RP_ID, synced: bool = False, aaguid: bytes = bytes(16)) -> None:
        self.origin = origin
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.synced = synced
        self.aaguid = aaguid
        self.user_handle: str | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def clone(self) -> "SoftAuthenticator":
        """A copy of the key and its counter as they are now: a cloned authenticator."""
        return copy.copy(self)

    def _flags(self, *, verified: bool = True) -> int:
        return UP | (UV if verified else 0) | (BE | BS if self.synced else 0)

    def _auth_data(self, flags: int) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + self.sign_count.to_bytes(4, "big")

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(data).encode()

    def create(self, options: dict, *, origin: str | None = None) -> dict:
        """navigator.credentials.create() for these creation options."""
        self.user_handle = options["user"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            self._auth_data(self._flags() | AT)
            + self.aaguid
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential(
            clientDataJSON=b64url(client_data), attestationObject=b64url(attestation), transports=["internal"]
        )

    def get(
        self,
        options: dict,
        *,
        origin: str | None = None,
        user_handle: str | None = None,
        count_step: int = 1,
        verified: bool = True,
    ) -> dict:
        """navigator.credentials.get() for these request options; the counter moves on by
        `count_step` first."""
        self.sign_count += count_step
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(self._flags(verified=verified))
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return self._credential(
            clientDataJSON=b64url(client_data),
            authenticatorData=b64url(auth_data),
            signature=b64url(signature),
            userHandle=user_handle or self.user_handle,
        )

    def _credential(self, **response: object) -> dict:
        """The PublicKeyCredential as JSON, the way the browser's toJSON() has it."""
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
