"""Secrets at rest (signing keys, MFA secrets, queued mails), encrypted with SECRET_KEY.

Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) under a key derived
from SECRET_KEY with HKDF, one key per purpose: a value sealed for one purpose cannot be
opened as another, and SECRET_KEY itself never touches the data.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBoxError(Exception):
    """A sealed value that this SECRET_KEY cannot open (wrong key, or tampered with)."""


class SecretBox:
    def __init__(self, secret_key: str, *, purpose: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"usersvc:{purpose}".encode()).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode()

    def open(self, sealed: str) -> bytes:
        try:
            return self._fernet.decrypt(sealed.encode())
        except InvalidToken:
            raise SecretBoxError("cannot decrypt: wrong SECRET_KEY or tampered value") from None
