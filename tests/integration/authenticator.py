"""An authenticator app for tests: pyotp codes, each 30-second step used at most once."""

import time
from datetime import UTC, datetime

import httpx
import pyotp

from tests.support import USER_PASSWORD, Api


class Authenticator:
    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step: int | None = None

    def _current_step(self) -> int:
        return self.totp.timecode(datetime.now(UTC))

    def next_code(self) -> str:
        """A code the service accepts now: the current step, or the next one if the current was
        used (the service takes its neighbours); waits for the clock when both were."""
        while True:
            current = self._current_step()
            step = current if self.last_step is None else max(current, self.last_step + 1)
            if step <= current + 1:
                self.last_step = step
                return self.totp.generate_otp(step)
            time.sleep(30 - time.time() % 30 + 0.2)

    def last_code(self) -> str:
        return self.totp.generate_otp(self.last_step)


def enrol(api: Api, *, password: str = USER_PASSWORD) -> tuple[Authenticator, list[str], dict]:
    """Enrol and confirm TOTP for the api's user: (authenticator, recovery codes, enrolment reply)."""
    started = api.post("/v1/auth/mfa/totp", json={"password": password})
    assert started.status_code == 200, started.text
    authenticator = Authenticator(started.json()["secret"])
    confirmed = api.post("/v1/auth/mfa/totp/confirm", json={"code": authenticator.next_code()})
    assert confirmed.status_code == 200, confirmed.text
    return authenticator, confirmed.json()["recovery_codes"], started.json()


def password_step(
    base_url: str, username: str, *, password: str = USER_PASSWORD, client_ip: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    return httpx.post(
        f"{base_url}/v1/auth/login", json={"username": username, "password": password}, headers=headers, timeout=30
    )


def code_step(base_url: str, mfa_token: str, code: str, *, client_ip: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    return httpx.post(
        f"{base_url}/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": code}, headers=headers, timeout=30
    )
