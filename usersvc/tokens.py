"""JWT access/refresh tokens: issued by workers, verified by the edge. HS256, pinned."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"


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

    def issue(self, *, user_id: str, session_id: str, role: str, now: datetime) -> TokenPair:
        base = {"sub": user_id, "sid": session_id, "iat": now}
        access = {**base, "role": role, "type": "access", "jti": uuid.uuid4().hex,
                  "exp": now + self.access_ttl}
        refresh_jti = uuid.uuid4().hex
        refresh = {**base, "type": "refresh", "jti": refresh_jti, "exp": now + self.refresh_ttl}
        return TokenPair(
            access_token=jwt.encode(access, self._secret, algorithm=ALGORITHM),
            refresh_token=jwt.encode(refresh, self._secret, algorithm=ALGORITHM),
            expires_in=int(self.access_ttl.total_seconds()),
            refresh_jti=refresh_jti,
        )

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
