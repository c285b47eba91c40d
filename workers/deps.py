"""What handlers need, built once per worker process in workers/app.py."""

from dataclasses import dataclass
from typing import Annotated

from faststream import Context

from domain.passwords import PasswordHasher
from usersvc.settings import Settings
from usersvc.tokens import TokenCodec
from workers.cache import WorkerCache
from workers.outbox import EventPublisher


@dataclass(frozen=True)
class WorkerDeps:
    settings: Settings
    cache: WorkerCache
    hasher: PasswordHasher
    tokens: TokenCodec
    events: EventPublisher


Deps = Annotated[WorkerDeps, Context("deps")]
