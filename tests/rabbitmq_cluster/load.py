"""A steady, bounded write load through the edge, and what it saw.

A few client threads each send one write at a time (3 PATCHes of an existing user for each
create), every one with its own Idempotency-Key, paced, for at most `max_writes` writes. A
write that fails with 503, 504 or a broken connection is sent again with the same key until
it is acknowledged (200/201), or until `give_up_seconds` after the load was told to stop.
Every attempt is kept with its time, so a test can say when the edge failed and for how long.
"""

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import asyncpg
import httpx

from tests.support import new_user_body
from usersvc.edge.routes.users import IDEMPOTENCY_NAMESPACE

RETRIED = {503, 504}
RETRY_PAUSE_SECONDS = 0.25


@dataclass
class Attempt:
    sent: float  # time.monotonic()
    answered: float
    status: int | str  # the HTTP status, or the name of the transport error


@dataclass
class Write:
    seq: int
    key: str
    method: str
    path: str
    body: dict
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].status in (200, 201)

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1

    def command_id(self, caller_id: str) -> str:
        """The message id the edge derives from the key (edge/routes/users.py)."""
        return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{caller_id}:{self.key}"))


class WriteLoad:
    def __init__(
        self,
        base_url: str,
        token: str,
        user_ids: list[str],
        *,
        clients: int = 4,
        pause_seconds: float = 0.05,
        max_writes: int = 4000,
        give_up_seconds: float = 40,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.user_ids = user_ids
        self.clients = clients
        self.pause_seconds = pause_seconds
        self.max_writes = max_writes
        self.give_up_seconds = give_up_seconds
        self.run = uuid.uuid4().hex[:8]
        self.writes: list[Write] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stopped_at: float | None = None
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self) -> "WriteLoad":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        """No new writes; the ones under way get their retries, up to give_up_seconds."""
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
            self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.give_up_seconds + 30)

    def _next_write(self) -> Write | None:
        with self._lock:
            seq = next(self._seq)
            if seq >= self.max_writes:
                return None
            if seq % 4 == 3:
                name = f"f{self.run}_{seq}"
                write = Write(
                    seq,
                    f"{self.run}-{seq}",
                    "POST",
                    "/v1/users",
                    new_user_body(username=name, email=f"{name}@example.com"),
                )
            else:
                user_id = self.user_ids[seq % len(self.user_ids)]
                write = Write(seq, f"{self.run}-{seq}", "PATCH", f"/v1/users/{user_id}", {"first_name": f"W{seq}"})
            self.writes.append(write)
            return write

    def _client(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, timeout=10, headers=headers) as http:
            while not self._stop.is_set() and (write := self._next_write()) is not None:
                self._send(http, write)
                time.sleep(self.pause_seconds)

    def _send(self, http: httpx.Client, write: Write) -> None:
        while True:
            sent = time.monotonic()
            try:
                status: int | str = http.request(
                    write.method, write.path, json=write.body, headers={"Idempotency-Key": write.key}
                ).status_code
            except httpx.TransportError as error:
                status = type(error).__name__
            write.attempts.append(Attempt(sent, time.monotonic(), status))
            if status in (200, 201) or (isinstance(status, int) and status not in RETRIED):
                return
            if self._stopped_at is not None and time.monotonic() > self._stopped_at + self.give_up_seconds:
                return
            time.sleep(RETRY_PAUSE_SECONDS)

    # What it saw.

    def attempts(self) -> list[Attempt]:
        return sorted((attempt for write in self.writes for attempt in write.attempts), key=lambda a: a.sent)

    def failures(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts() if attempt.status not in (200, 201)]

    def recovered_since(self, moment: float, *, until: float | None = None) -> float | None:
        """When writes went through again after `moment`: the answer to the first of two
        writes per client in a row, sent after the last failure (answered before `until`),
        that were all acknowledged."""
        attempts = [a for a in self.attempts() if a.sent >= moment]
        failed = [a.answered for a in attempts if a.status not in (200, 201) and (until is None or a.answered < until)]
        last_failure = max(failed, default=moment)
        after = sorted(a.answered for a in attempts if a.sent > last_failure)
        return after[0] if len(after) >= 2 * self.clients else None

    def counts(self) -> dict:
        return {
            "sent": len(self.writes),
            "attempts": sum(len(write.attempts) for write in self.writes),
            "acknowledged": sum(write.acknowledged for write in self.writes),
            "retried": sum(write.retried for write in self.writes),
            "failed_attempts": len(self.failures()),
        }


async def applied_counts(database_url: str, writes: list[Write], caller_id: str) -> dict[int, int]:
    """seq → how many times the write is in PostgreSQL: its audit rows (one per command run,
    in the command's own transaction), by the command id its key stands for."""
    ids = {write.command_id(caller_id): write.seq for write in writes}
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT command_id, count(*) AS n FROM audit_logs WHERE command_id = ANY($1::text[]) GROUP BY command_id",
            list(ids),
        )
    finally:
        await connection.close()
    found = {ids[row["command_id"]]: row["n"] for row in rows}
    return {write.seq: found.get(write.seq, 0) for write in writes}


async def created_usernames(database_url: str, usernames: list[str]) -> dict[str, int]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT username, count(*) AS n FROM users WHERE username = ANY($1::text[]) GROUP BY username", usernames
        )
    finally:
        await connection.close()
    return {row["username"]: row["n"] for row in rows}
