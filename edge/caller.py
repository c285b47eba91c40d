"""Who a request comes from: the authenticated caller, and the client's address as the rate
limits, the login back-off and the audit trail see it (rules in edge/client_address.py)."""

from dataclasses import dataclass

from sanic import Request

from usersvc.domain.rbac import Principal, Role
from usersvc.edge.client_address import rate_limit_subject, resolve_client_ip
from usersvc.edge.request_headers import header_text


@dataclass(frozen=True)
class Caller:
    user_id: str
    session_id: str
    role: Role

    @property
    def principal(self) -> Principal:
        return Principal(kind="user", id=self.user_id, role=self.role)

    @property
    def actor(self) -> dict:
        return {"type": "user", "id": self.user_id}


def command_context(request: Request) -> dict:
    """Sent in the command body's `context` object and recorded in the audit trail."""
    return {
        "request_id": request.ctx.request_id,
        "ip": client_ip(request) or None,
        "user_agent": (header_text(request, "user-agent") or "")[:500] or None,
    }


def client_ip(request: Request) -> str:
    """The plain client address (for the audit trail); see edge.client_address for the rules.

    `request.ip` is the socket peer: Sanic's own proxy handling (`remote_addr`) is left
    unconfigured, so it never believes a header that TRUSTED_PROXIES does not vouch for.
    """
    if getattr(request.ctx, "client_ip", None) is None:
        request.ctx.client_ip = resolve_client_ip(
            peer=request.ip,
            forwarded_for=request.headers.getall("x-forwarded-for", []),
            trusted=request.app.ctx.settings.trusted_proxy_networks,
        )
    return request.ctx.client_ip


def client_subject(request: Request) -> str:
    """What per-client rate limits count: the address, or its /64 for IPv6."""
    return rate_limit_subject(client_ip(request))
