"""What handlers need, built once per worker process in workers/app.py."""

from contextvars import ContextVar
from dataclasses import dataclass

from usersvc.domain.passwords import PasswordHasher
from usersvc.settings import Settings
from usersvc.tokens import TokenIssuer
from usersvc.workers.cache import WorkerCache
from usersvc.workers.identity import Speaker
from usersvc.workers.mail_outbox import MailRelay
from usersvc.workers.outbox import EventPublisher
from usersvc.workers.signing_keys import CurrentSigningKey


@dataclass(frozen=True)
class WorkerDeps:
    settings: Settings
    cache: WorkerCache
    hasher: PasswordHasher
    tokens: TokenIssuer
    signing_key: CurrentSigningKey  # read per issue: see workers/signing_keys.py
    events: EventPublisher
    mail: MailRelay | None = None  # None only outside worker processes, which queue no mail


# Not FastStream's Context(): fast_depends resolves each Context parameter in a thread-pool
# hop per message (measured ~5% of a worker's CPU); these are plain lookups instead.
_installed: list[WorkerDeps] = []
current_command_id: ContextVar[str | None] = ContextVar("current_command_id", default=None)
# Set by CommandMiddleware from the message's broker-verified user_id (workers/identity.py).
current_speaker: ContextVar[Speaker] = ContextVar("current_speaker")


def install(deps: WorkerDeps) -> None:
    """Called once per process, from the worker app's start-up hook."""
    _installed[:] = [deps]


def current_deps() -> WorkerDeps:
    return _installed[0]
