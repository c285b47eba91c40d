"""Fixed-window rate limits: which counter a request counts on, and the answer once over.

The counting itself happens in the request's one Redis call (edge/gate.py); every limited
response carries X-RateLimit-Limit, -Remaining and -Reset, and a refusal Retry-After.
"""

import time

from limits import RateLimitItem
from sanic import Request

from usersvc.cache_keys import CacheKeys
from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError


def counter_of(keys: CacheKeys, limit: RateLimitItem, *, scope: str, subject: str) -> tuple[int, str]:
    """The current window and its counter: one per subject and window, expiring with it."""
    window = int(time.time()) // limit.get_expiry()
    return window, keys.rate_limit(scope, subject, window)


def enforce(request: Request, limit: RateLimitItem, *, count: int, window: int) -> None:
    """Headers for the response; 429 with Retry-After once `count` is over the limit."""
    reset_at = (window + 1) * limit.get_expiry()
    headers = {
        "X-RateLimit-Limit": str(limit.amount),
        "X-RateLimit-Remaining": str(max(0, limit.amount - count)),
        "X-RateLimit-Reset": str(reset_at),
    }
    request.ctx.rate_limit_headers = headers
    if count > limit.amount:
        retry_after = max(1, reset_at - int(time.time()))
        raise ApiError(
            ErrorCode.RATE_LIMITED,
            "Too many requests; retry later",
            headers={**headers, "Retry-After": str(retry_after)},
        )
