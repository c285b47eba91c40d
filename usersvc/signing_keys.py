"""Keys that sign tokens: made here, named by their RFC 7638 thumbprint, and sealed with
SECRET_KEY before the private half reaches the database. No I/O.

Two keys sign at any time, one per use:
- access tokens: EdDSA (Ed25519) by default, ES256 (P-256) when JWT_ALGORITHM says so. A key
  keeps the algorithm it was made with, so changing JWT_ALGORITHM takes effect at the next
  rotation;
- ID tokens (OpenID Connect): RS256 (RSA-2048), because many relying parties accept nothing
  else. Access tokens stay EdDSA: an RS256 signature costs about 8 Ed25519 ones.
"""

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from usersvc.secret_box import SecretBox

ACCESS_TOKEN_ALGORITHMS = ("EdDSA", "ES256")  # JWT_ALGORITHM's choices
ID_TOKEN_ALGORITHM = "RS256"  # noqa: S105 - an algorithm name, not a password
ALGORITHMS = (*ACCESS_TOKEN_ALGORITHMS, ID_TOKEN_ALGORITHM)
RSA_KEY_BITS = 2048
RSA_PUBLIC_EXPONENT = 65537
# RFC 7638 §3.2: the members a thumbprint covers, per key type, in lexicographic order.
THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}
# The public JWK's members; anything else the library adds (RSAAlgorithm's `key_ops`) is left out.
PUBLIC_MEMBERS = {"OKP": ("kty", "crv", "x"), "EC": ("kty", "crv", "x", "y"), "RSA": ("kty", "n", "e")}

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class SigningKey:
    """A private key ready to sign, as a worker holds the current one."""

    kid: str
    algorithm: str
    private_key: PrivateKey


@dataclass(frozen=True)
class NewKey:
    """A freshly made key as it is stored: its public JWK and its sealed private half."""

    kid: str
    algorithm: str
    public_jwk: dict
    sealed_private_key: str


def signing_key_box(secret_key: str) -> SecretBox:
    return SecretBox(secret_key, purpose="signing-keys")


def thumbprint(jwk: dict) -> str:
    """RFC 7638: base64url(SHA-256(the required members as compact, sorted JSON))."""
    required = {member: jwk[member] for member in THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def generate_key(algorithm: str, *, box: SecretBox) -> NewKey:
    private_key: PrivateKey
    if algorithm == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
        made = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    elif algorithm == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
        made = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    elif algorithm == "RS256":
        private_key = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)
        made = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    else:
        raise ValueError(f"unsupported signing algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    jwk = {member: made[member] for member in PUBLIC_MEMBERS[made["kty"]]}
    kid = thumbprint(jwk)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return NewKey(
        kid=kid,
        algorithm=algorithm,
        public_jwk={**jwk, "kid": kid, "alg": algorithm, "use": "sig"},
        sealed_private_key=box.seal(pem),
    )


def open_signing_key(*, kid: str, algorithm: str, sealed_private_key: str, box: SecretBox) -> SigningKey:
    """Raises SecretBoxError when this SECRET_KEY did not seal it, and ValueError when what it
    sealed is not a key generate_key makes."""
    private_key = serialization.load_pem_private_key(box.open(sealed_private_key), password=None)
    if not isinstance(private_key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"signing key {kid}: not an Ed25519, EC or RSA private key")
    return SigningKey(kid=kid, algorithm=algorithm, private_key=private_key)
