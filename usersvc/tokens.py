"""JWT access/refresh tokens: issued by workers, verified by the edge. HS256, pinned."""

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_jti: str


class InvalidToken(Exception):
    def __init__(self, *, expired: bool) -> None:
        super().__init__("token expired" if expired else "invalid token")
        self.expired = expired


class TokenCodec:
    def __init__(self, *, secret: str, access_minutes: int, refresh_minutes: int) -> None:
        self._secret = secret
        self.access_ttl = timedelta(minutes=access_minutes)
        self.refresh_ttl = timedelta(minutes=refresh_minutes)
        # Clients send the same token many times; PyJWT's full verify was a fifth of the
        # edge's CPU on cached reads. Only successfully verified tokens are kept, and
        # their expiry is checked again on every use.
        self._verified: dict[tuple[str, str], dict] = {}

    def issue(self, *, user_id: str, session_id: str, role: str, now: datetime,
              not_after: datetime | None = None) -> TokenPair:
        """`not_after`: when the session ends for good (its maximum age); no token outlives it."""
        access_exp, refresh_exp = now + self.access_ttl, now + self.refresh_ttl
        if not_after is not None:
            access_exp, refresh_exp = min(access_exp, not_after), min(refresh_exp, not_after)
        base = {"sub": user_id, "sid": session_id, "iat": now}
        access = {**base, "role": role, "type": "access", "jti": uuid.uuid4().hex, "exp": access_exp}
        refresh_jti = uuid.uuid4().hex
        refresh = {**base, "type": "refresh", "jti": refresh_jti, "exp": refresh_exp}
        return TokenPair(
            access_token=jwt.encode(access, self._secret, algorithm=ALGORITHM),
            refresh_token=jwt.encode(refresh, self._secret, algorithm=ALGORITHM),
            expires_in=int((access_exp - now).total_seconds()),
            refresh_jti=refresh_jti,
        )

    def decode_cached(self, token: str, *, expected_type: str) -> dict:
        claims = self._verified.get((token, expected_type))
        if claims is not None:
            if claims["exp"] > time.time():
                return claims
            del self._verified[(token, expected_type)]
        claims = self.decode(token, expected_type=expected_type)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))  # drop the oldest entry
        self._verified[(token, expected_type)] = claims
        return claims

    def decode(self, token: str, *, expected_type: str) -> dict:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                options={"require": ["exp", "iat", "sub", "sid", "jti", "type"]})
        except jwt.ExpiredSignatureError:
            raise InvalidToken(expired=True) from None
        except jwt.PyJWTError:
            raise InvalidToken(expired=False) from None
        if claims.get("type") != expected_type:
            raise InvalidToken(expired=False)
        return claims
