"""What CommandMiddleware learns from the AMQP message itself, for the command it runs.

Context variables, not FastStream's Context(): fast_depends resolves each Context parameter
in a thread-pool hop per message (its cost: docs/scaling.md); these are plain lookups.
"""

from contextvars import ContextVar

from usersvc.workers.identity import Speaker

# The message_id: the command's idempotency key.
current_command_id: ContextVar[str | None] = ContextVar("current_command_id", default=None)
# From the message's broker-verified user_id (workers/identity.py).
current_speaker: ContextVar[Speaker] = ContextVar("current_speaker")
