"""Prometheus metrics of a worker process."""

from prometheus_client import Counter

# step="write": one failed attempt at writing a commit's new values (retried);
# step="invalidate": deleting the affected keys failed too, so a stale entry may be
# served until its TTL ends. Alert on the second.
CACHE_WRITE_FAILURES = Counter("usersvc_cache_write_failures_total", "Failed cache updates after a commit", ["step"])

MAILS_SENT = Counter("usersvc_mails_sent_total", "Mails handed to the SMTP server (or the development log)")
# A dead mail was given up after MAIL_MAX_ATTEMPTS (its content erased): alert on it.
MAILS_DEAD = Counter("usersvc_mails_dead_total", "Mails given up, never delivered")
# Commands neither executed nor answered: their reply_to was not their caller's own queue
# (workers/middleware.py). A caller's mistake, or someone aiming replies at usersvc's queues.
REPLY_TARGETS_REFUSED = Counter(
    "usersvc_reply_targets_refused_total", "Commands dropped because their reply_to is not the caller's own queue"
)
