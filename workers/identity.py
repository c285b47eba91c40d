"""Who is speaking on the bus is decided by the broker, not by the body (docs/api.md, "Bus").

Every command must carry the AMQP `user_id` property, which RabbitMQ checks against the
connection's user. The edge's broker user may speak for users and pass the request's
context (ip, user agent, request id); a broker user listed in BUS_SERVICES acts as
itself, a service with admin rights, whatever the body claims; anyone else is refused.
"""

from dataclasses import dataclass

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

# Commands that only the edge may send: they carry a caller's credentials (login, refresh)
# or answer the edge's own session cache misses.
EDGE_ONLY = frozenset(command.ROUTING_KEY for command in (Login, Refresh, CheckSession))
# Registration carries a client's password; verification and reset spend a public one-time token.
EDGE_ONLY |= {command.ROUTING_KEY for command in (Register, VerifyEmail, ResetPassword)}
# The second login step spends an mfa_token, the public one-time token a login hands out.
EDGE_ONLY |= {VerifyMfa.ROUTING_KEY}


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
