"""What handlers need, built once per worker process by workers/app.py and passed in:
routers are built from it (workers/routing.py), so no handler reaches for a global."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from usersvc.domain.oauth import ClientSecretDigester
from usersvc.domain.passwords import PasswordHasher
from usersvc.settings import Settings
from usersvc.tokens import TokenIssuer
from usersvc.workers.cache import WorkerCache
from usersvc.workers.mail_outbox import MailRelay
from usersvc.workers.outbox import EventPublisher
from usersvc.workers.signing_keys import CurrentSigningKey
from usersvc.workers.unit_of_work import CommandEnvelope, UnitOfWork, database_unit_of_work
from usersvc.workers.upstream_providers import ProviderClient


@dataclass(frozen=True)
class WorkerDeps:
    settings: Settings
    cache: WorkerCache
    hasher: PasswordHasher
    tokens: TokenIssuer
    signing_key: CurrentSigningKey  # opened per issue: see workers/signing_keys.py
    events: EventPublisher
    mail: MailRelay
    client_secrets: ClientSecretDigester  # OAuth client secrets, as the token endpoint checks them
    # Set once every subscriber of this worker listens (FastStream starts them in no fixed
    # order): until then the readiness ping says "starting" (workers/handlers/system.py).
    started: asyncio.Event = field(default_factory=asyncio.Event)
    # Other providers' discovery documents and key sets, kept a few minutes (identity brokering).
    upstream: ProviderClient = field(default_factory=ProviderClient)
    # Where a command's rows live: PostgreSQL; the fast tests pass units on memory.
    units: Callable[..., UnitOfWork] = database_unit_of_work

    def unit_of_work(self, envelope: CommandEnvelope, *, idempotent: bool = True) -> UnitOfWork:
        """The command's unit of work (workers/unit_of_work.py). `idempotent` records the
        AMQP message_id, scoped to its caller, with the reply in the same transaction, so a
        redelivery, or a twin running at the same time, answers like the first; replies that
        carry tokens or secrets are not recorded (idempotent=False), nor are reads."""
        return self.units(self, envelope, idempotent=idempotent)
