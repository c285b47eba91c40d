"""Access and refresh tokens: issued by the workers, access tokens verified by the edge.

Access tokens are JWTs signed with the current signing key (usersvc/signing_keys.py), its
`kid` in the header; anyone holding the published key set can verify them. Verification
pins each key to its own algorithm and checks `iss` and `aud`. Refresh tokens are opaque
random strings that only their holder ever sees: the database keeps a SHA-256 digest.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.signing_keys import SigningKey

VERIFIED_CACHE_SIZE = 10_000
# `sid` too, except in a client's own token (client credentials), which names no session.
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "type", "iss", "aud"]


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_token_hash: str  # what the session row keeps
    refresh_expires_at: datetime  # the session row's expires_at: the refresh token dies then


class InvalidToken(Exception):
    def __init__(self, *, expired: bool) -> None:
        super().__init__("token expired" if expired else "invalid token")
        self.expired = expired


class TokenIssuer:
    """The workers' side: a pair for a session, signed with the key they are handed."""

    def __init__(self, *, issuer: str, audience: str, access_minutes: int, refresh_minutes: int) -> None:
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = timedelta(minutes=access_minutes)
        self.refresh_ttl = timedelta(minutes=refresh_minutes)

    def issue(
        self,
        *,
        key: SigningKey,
        user_id: str,
        session_id: str,
        role: str,
        now: datetime,
        not_after: datetime | None = None,
        amr: list[str] | None = None,
    ) -> TokenPair:
        """`not_after`: when the session ends for good (its maximum age); no token outlives it.
        `amr`: how the user signed in (RFC 8176: pwd, otp, hwk, swk), carried when known."""
        access_exp = now + self.access_ttl if not_after is None else min(now + self.access_ttl, not_after)
        refresh_exp = now + self.refresh_ttl if not_after is None else min(now + self.refresh_ttl, not_after)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "sid": session_id,
            "role": role,
            "type": "access",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": access_exp,
        }
        if amr:
            claims["amr"] = list(amr)
        refresh_token = new_opaque_token()
        return TokenPair(
            access_token=jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid}),
            refresh_token=refresh_token,
            expires_in=int((access_exp - now).total_seconds()),
            refresh_token_hash=opaque_token_digest(refresh_token),
            refresh_expires_at=refresh_exp,
        )

    def issue_for_client(
        self,
        *,
        key: SigningKey,
        client_id: str,
        scopes: list[str],
        now: datetime,
        user_id: str | None = None,
        session_id: str | None = None,
        role: str | None = None,
        not_after: datetime | None = None,
        with_refresh: bool = False,
    ) -> TokenPair:
        """A token of an OAuth client: for a user (their grant session's `sid` and role, which
        usersvc's own API still applies) or, with no user, for the client itself (`sub` is
        the client_id: client credentials). `refresh_token` is empty unless `with_refresh`."""
        access_exp = now + self.access_ttl if not_after is None else min(now + self.access_ttl, not_after)
        refresh_exp = now + self.refresh_ttl if not_after is None else min(now + self.refresh_ttl, not_after)
        claims: dict = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id or client_id,
            "client_id": client_id,
            "scope": " ".join(scopes),
            "type": "access",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": access_exp,
        }
        if user_id is not None:
            claims.update(sid=session_id, role=role)
        refresh_token = new_opaque_token() if with_refresh else ""
        return TokenPair(
            access_token=jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid}),
            refresh_token=refresh_token,
            expires_in=int((access_exp - now).total_seconds()),
            refresh_token_hash=opaque_token_digest(refresh_token) if with_refresh else "",
            refresh_expires_at=refresh_exp,
        )

    def id_token(self, *, key: SigningKey, claims: dict, now: datetime) -> str:
        """An OpenID Connect ID token: `claims` as the caller built them (aud, sub, nonce,
        auth_time, amr, scoped claims), with iss, iat and exp added."""
        payload = {**claims, "iss": self.issuer, "iat": now, "exp": now + self.access_ttl}
        return jwt.encode(payload, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})


class TokenVerifier:
    """The edge's side: access tokens checked against the published keys (edge/key_set.py)."""

    def __init__(self, *, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._keys: dict[str, jwt.PyJWK] = {}
        # Clients send the same token many times, and an Ed25519 verify costs about three
        # HS256 verifies (README, "Tokens"): a token is verified once, kept until it expires
        # or its key leaves the set, and its expiry is checked again on every use.
        self._verified: dict[str, tuple[dict, str]] = {}

    def use_keys(self, keys: dict[str, jwt.PyJWK]) -> None:
        """The keys whose tokens are good from now on; tokens of any other key are refused at
        once, including those verified before (a revoked key's)."""
        self._keys = dict(keys)
        self._verified = {token: entry for token, entry in self._verified.items() if entry[1] in self._keys}

    def knows_signer(self, token: str) -> bool:
        """False only for a well-formed token naming a key this verifier has not seen: the key
        set may be newer than what this process holds."""
        if token in self._verified or not token.isascii():
            return True
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return True  # refused anyway; no reason to look for keys
        return not isinstance(kid, str) or kid in self._keys

    def verify(self, token: str) -> dict:
        entry = self._verified.get(token)
        if entry is not None:
            claims, kid = entry
            if claims["exp"] > time.time() and kid in self._keys:
                return claims
            del self._verified[token]
        claims, kid = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))  # drop the oldest entry
        self._verified[token] = (claims, kid)
        return claims

    def _decode(self, token: str) -> tuple[dict, str]:
        if not token.isascii():  # a JWT is base64url; PyJWT would fail to encode some others
            raise InvalidToken(expired=False)
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if not isinstance(kid, str) or kid not in self._keys:
                raise InvalidToken(expired=False)
            key = self._keys[kid]
            # The key's own algorithm, never the token's: no `none`, no HS256 keyed with a public key.
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken(expired=True) from None
        except jwt.PyJWTError:
            raise InvalidToken(expired=False) from None
        # The set also holds the ID tokens' RSA key: an ID token (no `type`, `aud` the client)
        # verifies with it but is no access token. Only a client's own token has no session.
        if claims.get("type") != "access" or ("sid" not in claims and "client_id" not in claims):
            raise InvalidToken(expired=False)
        return claims, kid
