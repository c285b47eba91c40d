"""Who may read /metrics, on the edge and on a worker's metrics port (docs/operations.md,
"Metrics"): a client address in METRICS_ALLOW, or `Authorization: Bearer <METRICS_TOKEN>`.
Everyone else is told there is nothing there (404). No framework here.

The client address is found as for every other rule (usersvc.edge.client_address, with
TRUSTED_PROXIES), so a scraper behind a trusted proxy is judged by its own address.
"""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from usersvc.edge.client_address import IPNetwork, is_trusted, parse_ip, resolve_client_ip
from usersvc.settings import Settings


def _digest(text: str) -> bytes:
    # Equal lengths, so compare_digest does not even tell how long the token is.
    return hashlib.sha256(text.encode()).digest()


@dataclass(frozen=True)
class MetricsAccess:
    allowed: tuple[IPNetwork, ...]
    token: str  # "" = no token opens it
    trusted_proxies: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> "MetricsAccess":
        return cls(settings.metrics_allow_networks, settings.metrics_token, settings.trusted_proxy_networks)

    def admits(self, *, peer: str, forwarded_for: Iterable[str], authorization: str | None) -> bool:
        if self.token and authorization:
            scheme, _, presented = authorization.strip().partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(_digest(presented.strip()), _digest(self.token)):
                return True
        client = resolve_client_ip(peer=peer, forwarded_for=forwarded_for, trusted=self.trusted_proxies)
        return is_trusted(parse_ip(client), self.allowed)
