"""Prometheus metrics of a worker process."""

from prometheus_client import Counter

# step="write": one failed attempt at writing a commit's new values (retried);
# step="invalidate": deleting the affected keys failed too, so a stale entry may be
# served until its TTL ends. Alert on the second.
CACHE_WRITE_FAILURES = Counter("usersvc_cache_write_failures_total",
                               "Failed cache updates after a commit", ["step"])
