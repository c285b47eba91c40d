"""Per-account login back-off (docs/api.md, "Rate limits").

After `threshold` consecutive failed logins for one account, whichever of its identifiers
(email or username) was used and from any clients, logins for it are held back (429) for a
minute, doubling with each further failure up to 15 minutes; a success resets it. Wrong
current passwords on the routes that ask for one (password change, email change) count too.

The state is keyed by a subject: the account ("account:<id>") when the login identifier
names one, else the identifier itself, so unknown identifiers behave exactly like real ones.
Which account an identifier names is written by the workers on every login, before they
answer (usersvc/cache_keys.py, login_account); they also check that account's hold before
they check the password, so an identifier the edge has not seen name its account yet gets
no guess past the hold. A client that logged in to the account within
30 days is not held back, so an attacker cannot lock the owner out. Counters live in Redis,
shared by all edge processes; each check or update is one script call (one round trip).
"""

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis

from usersvc.cache_keys import (
    FAILURE_SCRIPT,
    LOGIN_HOLD_SCRIPT,
    NO_ACCOUNT,
    SUCCESS_SCRIPT,
    CacheKeys,
    account_subject,
)
from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError
from usersvc.edge.metrics import LOGINS_HELD_BACK

T = TypeVar("T")

log = logging.getLogger(__name__)
FIRST_HOLD_SECONDS = 60
LONGEST_HOLD_SECONDS = 15 * 60
KNOWN_CLIENT_SECONDS = 30 * 24 * 3600
# A run of failures followed by a quiet day is forgotten; it outlives the longest hold.
FAILURE_MEMORY_SECONDS = 24 * 3600


def hold_seconds(*, failures: int, threshold: int) -> int:
    """How long logins are held back after the `failures`-th consecutive failure (0: not at all)."""
    if failures < threshold:
        return 0
    doublings = min(failures - threshold, 32)  # past the cap anyway; keeps the power small
    return min(FIRST_HOLD_SECONDS * 2**doublings, LONGEST_HOLD_SECONDS)


def hold_schedule(*, threshold: int) -> list[int]:
    """hold_seconds for the threshold-th failure, the next, … up to the first that is capped.

    The failure script picks from this list, so the formula lives only in hold_seconds.
    """
    schedule = [hold_seconds(failures=threshold, threshold=threshold)]
    while schedule[-1] < LONGEST_HOLD_SECONDS:
        schedule.append(hold_seconds(failures=threshold + len(schedule), threshold=threshold))
    return schedule


def refuses_field(error: ApiError, *fields: str) -> bool:
    """Whether a refusal names one of `fields` in its details: a wrong password or code, not
    another field's rule. A worker's reply holds its details as plain objects."""
    return any(
        (detail.get("field") if isinstance(detail, dict) else getattr(detail, "field", None)) in fields
        for detail in error.details
    )


class LoginGuard:
    def __init__(self, *, redis: Redis, keys: CacheKeys, threshold: int) -> None:
        self.keys = keys
        self.threshold = threshold
        self._schedule = hold_schedule(threshold=threshold)
        self._redis = redis
        self._check = redis.register_script(LOGIN_HOLD_SCRIPT)
        self._failure = redis.register_script(FAILURE_SCRIPT)
        self._success = redis.register_script(SUCCESS_SCRIPT)

    async def subject_of(self, identifier: str) -> str:
        """The back-off subject of a login identifier: the account it named when a worker last
        looked it up, else the identifier itself (one read either way)."""
        try:
            value = await self._redis.get(self.keys.login_account(identifier))
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        if value is None or value == NO_ACCOUNT:
            return identifier
        return account_subject(value.decode() if isinstance(value, bytes) else value)  # bytes unless decode_responses

    async def hold_back(self, *, subject: str, client: str) -> None:
        """Raise 429 while `subject` is held back, unless `client` logged in to it lately."""
        try:
            left_ms = await self._check(
                keys=[self.keys.login_held_back(subject), self.keys.login_known_client(subject, client)]
            )
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        if left_ms > 0:
            LOGINS_HELD_BACK.inc()
            raise ApiError(
                ErrorCode.RATE_LIMITED,
                "Too many failed logins for this account; retry later",
                headers={"Retry-After": str(max(1, math.ceil(left_ms / 1000)))},
            )

    async def record_failure(self, *, subject: str) -> None:
        try:
            await self._failure(
                keys=[self.keys.login_failures(subject), self.keys.login_held_back(subject)],
                args=[FAILURE_MEMORY_SECONDS, self.threshold, *self._schedule],
            )
        except Exception as error:  # the login already failed; its answer must not change
            log.warning("could not record a failed login: %r", error)

    async def record_login_failure(self, *, identifier: str) -> None:
        """A failed login, counted against the account `identifier` names (the worker noted
        it before it answered), else against the identifier."""
        await self.record_failure(subject=await self._subject_or_itself(identifier))

    async def _subject_or_itself(self, identifier: str) -> str:
        """subject_of, after the login was answered: an unreadable cache must not change that
        answer."""
        try:
            return await self.subject_of(identifier)
        except ApiError:
            return identifier

    async def guard_password(
        self, check: Callable[[], Awaitable[T]], *, user_id: object, client: str, wrong: Callable[[ApiError], bool]
    ) -> T:
        """Run `check`, a command that verifies user `user_id`'s current password, inside the
        account's back-off: while it holds, 429 before the password is looked at; a refusal
        `wrong` recognises counts as a failed login. A right password resets nothing (it is
        not a login)."""
        subject = account_subject(user_id)
        await self.hold_back(subject=subject, client=client)
        try:
            return await check()
        except ApiError as error:
            if wrong(error):
                await self.record_failure(subject=subject)
            raise

    async def remember_mfa_login(self, *, mfa_token: str, identifier: str, seconds: int) -> None:
        """A right password with MFA on: the login is not done, so the back-off is neither reset
        nor counted; the codes sent with this mfa_token count against the account."""
        subject = await self._subject_or_itself(identifier)
        try:
            await self._redis.set(self.keys.login_mfa_pending(mfa_token), subject, ex=max(1, seconds))
        except Exception as error:  # codes for this token then go unguarded by the back-off, not refused
            log.warning("could not remember a pending MFA login: %r", error)

    async def mfa_login_subject(self, mfa_token: str) -> str | None:
        """The back-off subject of the login that issued `mfa_token` (None: unknown, expired or
        forgotten)."""
        try:
            value = await self._redis.get(self.keys.login_mfa_pending(mfa_token))
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else value  # bytes unless decode_responses

    async def record_success(self, *, subjects: set[str], client: str) -> None:
        """Reset the back-off of each subject and remember `client` for it."""
        # One single-slot script per subject, sent concurrently: one round trip of latency.
        calls = [
            self._success(
                keys=[
                    self.keys.login_failures(subject),
                    self.keys.login_held_back(subject),
                    self.keys.login_known_client(subject, client),
                ],
                args=[KNOWN_CLIENT_SECONDS],
            )
            for subject in subjects
        ]
        for outcome in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(outcome, Exception):  # the session exists already: still hand out its tokens
                log.warning("could not record a successful login: %r", outcome)
