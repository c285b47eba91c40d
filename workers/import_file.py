"""`usersvc import FILE`: users from a JSON-lines file, through user.import's own work.

Each line is validated on its own, so one broken line costs only itself; valid lines go to
`import_users` (workers/repositories/users.py) in batches, one transaction each, audited
as the service `import`, with a user.created event in the outbox per user, which a worker's
relay publishes within seconds (no broker connection is needed here).
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import ValidationError

from usersvc.domain.commands import MAX_IMPORT_BATCH, ImportedUser, ImportUsers
from usersvc.domain.errors import DomainError, field_errors_from_pydantic
from usersvc.domain.rbac import Principal, Role
from usersvc.redis_client import connect_redis
from usersvc.settings import Settings
from usersvc.workers.cache import WorkerCache
from usersvc.workers.db import connected
from usersvc.workers.repositories.users import import_users
from usersvc.workers.unit_of_work import outside_a_command

log = logging.getLogger(__name__)
IMPORTER = Principal(kind="service", id="import", role=Role.ADMIN)
DEFAULT_BATCH = 200


@dataclass
class ImportSummary:
    created: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_line(text: str) -> ImportedUser | str:
    """The user on one line, or why it cannot be imported (never quoting the hash)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return "not valid JSON"
    if not isinstance(data, dict):
        return "not a JSON object"
    try:
        return ImportedUser.model_validate(data)
    except ValidationError as error:
        return "; ".join(f"{detail.field}: {detail.message}" for detail in field_errors_from_pydantic(error.errors()))


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as lines:  # a bad byte fails its line only
        for number, text in enumerate(lines, start=1):
            if text.strip():
                yield number, text


async def import_file(
    settings: Settings,
    path: Path,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] = lambda lines: None,
) -> ImportSummary:
    """`progress(n)` after each batch with the number of lines it settled."""
    batch_size = max(1, min(batch_size, MAX_IMPORT_BATCH))
    summary = ImportSummary()
    redis = connect_redis(settings.redis_url)
    cache = WorkerCache.for_settings(redis, settings)
    try:
        async with connected(settings.database_url):
            batch: list[tuple[int, ImportedUser]] = []
            settled = 0
            for number, text in numbered_lines(path):
                parsed = parse_line(text)
                settled += 1
                if isinstance(parsed, str):
                    summary.rejected.append((number, parsed))
                else:
                    batch.append((number, parsed))
                if len(batch) >= batch_size:
                    await _import_batch(settings, batch, summary=summary, cache=cache)
                    progress(settled)
                    batch, settled = [], 0
            if batch:
                await _import_batch(settings, batch, summary=summary, cache=cache)
            progress(settled)
    finally:
        await cache.aclose()
        await redis.aclose()
    return summary


async def _import_batch(
    settings: Settings, batch: list[tuple[int, ImportedUser]], *, summary: ImportSummary, cache: WorkerCache
) -> None:
    try:
        async with outside_a_command(settings, IMPORTER) as unit:
            reply = await import_users(unit, ImportUsers(users=[user for _, user in batch]))
    except DomainError as refusal:  # nothing of this batch was written: a re-run picks it up
        summary.rejected.extend((number, f"batch refused: {refusal.message}") for number, _ in batch)
        return
    await cache.apply(unit.cache)  # cached list pages must show the new users at once
    for result in reply["results"]:
        number = batch[result["index"]][0]
        if result["status"] == "created":
            summary.created += 1
        elif result["status"] == "skipped":
            summary.skipped.append((number, result["reason"]))
        else:
            summary.rejected.append((number, result["reason"]))
    log.debug(
        "imported a batch: %s created, %s skipped, %s rejected", reply["created"], reply["skipped"], reply["rejected"]
    )
