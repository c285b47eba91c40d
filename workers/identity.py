"""Who is speaking on the bus is decided by the broker, not by the body (docs/api.md, "Bus").

Every command must carry the AMQP `user_id` property, which RabbitMQ checks against the
connection's user. The edge's broker user may speak for users and pass the request's
context (ip, user agent, request id); a broker user listed in BUS_SERVICES acts as
itself, a service with admin rights, whatever the body claims; anyone else is refused.
Replies go only to the speaker's own queues, whoever it is (`may_reply_to`).
"""

import functools
import re
from dataclasses import dataclass

from usersvc.broker_access import SERVER_NAMED_QUEUES, own_queues
from usersvc.domain.commands import (
    CheckSession,
    CommandContext,
    Login,
    Refresh,
    Register,
    ResetPassword,
    VerifyEmail,
    VerifyMfa,
)
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.identity_providers import (
    CompleteProviderSignIn,
    ExchangeLoginCode,
    LinkIdentity,
    StartProviderSignIn,
)
from usersvc.domain.oauth_commands import Authorize, EndSession, IntrospectToken, RevokeToken, TokenRequest
from usersvc.domain.passkey_commands import AuthenticateWithPasskey, StartPasskeyAuthentication

# Commands that only the edge may send: they carry a caller's credentials (login, refresh)
# or answer the edge's own session cache misses.
EDGE_ONLY = frozenset(command.ROUTING_KEY for command in (Login, Refresh, CheckSession))
# Registration carries a client's password; verification and reset spend a public one-time token.
EDGE_ONLY |= {command.ROUTING_KEY for command in (Register, VerifyEmail, ResetPassword)}
# The second login step spends an mfa_token, the public one-time token a login hands out.
EDGE_ONLY |= {VerifyMfa.ROUTING_KEY}
# The OpenID provider's endpoints: browser cookies, codes, client secrets and tokens.
EDGE_ONLY |= {command.ROUTING_KEY for command in (Authorize, TokenRequest, RevokeToken, IntrospectToken, EndSession)}
# Signing in with a passkey: anonymous challenges, and the assertion that opens a session.
EDGE_ONLY |= {command.ROUTING_KEY for command in (StartPasskeyAuthentication, AuthenticateWithPasskey)}

# Sign-in through another provider: browser bindings, states and login codes, and passwords.
EDGE_ONLY |= {
    command.ROUTING_KEY for command in (StartProviderSignIn, CompleteProviderSignIn, ExchangeLoginCode, LinkIdentity)
}


@dataclass(frozen=True)
class Speaker:
    broker_user: str
    is_edge: bool

    def trusted_context(self, claimed: CommandContext) -> CommandContext:
        """Only the edge knows the client's IP, user agent and request id."""
        return claimed if self.is_edge else CommandContext()


def identify(*, broker_user: str | None, routing_key: str, edge_user: str, services: frozenset[str]) -> Speaker:
    if not broker_user:
        raise DomainError(ErrorCode.FORBIDDEN, "Commands must carry the AMQP user_id property")
    if broker_user == edge_user:
        return Speaker(broker_user=broker_user, is_edge=True)
    if broker_user in services and routing_key not in EDGE_ONLY:
        return Speaker(broker_user=broker_user, is_edge=False)
    raise DomainError(ErrorCode.FORBIDDEN, "This broker user may not send this command")


# Anyone's own: a queue the broker named for the declaring connection, and direct reply-to
# (RabbitMQ rewrites `amq.rabbitmq.reply-to` into `amq.rabbitmq.reply-to.<channel>`).
ANYONES_OWN = re.compile(rf"{SERVER_NAMED_QUEUES}|amq\.rabbitmq\.reply-to(\..+)?")
# FastStream reads a reply_to `queue|exchange` as a queue on another exchange.
EXCHANGE_DELIMITER = "|"


@functools.lru_cache(maxsize=256)
def _own_queues(broker_user: str, *, is_edge: bool) -> re.Pattern[str] | None:
    try:
        return re.compile(own_queues("edge" if is_edge else "service", broker_user))
    except ValueError:  # a name no service may have owns only what the broker names for it
        return None


def may_reply_to(reply_to: str, *, broker_user: str | None, edge_user: str) -> bool:
    """Whether `reply_to` is the caller's own queue: a server-named one, or one in the name
    space its broker permissions give it (usersvc/broker_access.py) — never one of usersvc's
    such as the dead-letter queue, so no caller can make the workers fill one. Asked of every
    broker user, listed or not: a refused caller gets its refusal only there too."""
    if EXCHANGE_DELIMITER in reply_to:
        return False
    if ANYONES_OWN.fullmatch(reply_to):
        return True
    if not broker_user:
        return False
    own = _own_queues(broker_user, is_edge=broker_user == edge_user)
    return own is not None and own.fullmatch(reply_to) is not None
