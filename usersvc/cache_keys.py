"""The Redis key scheme, shared by the edge (reads) and the workers (writes).

Writers SET after commit; fillers SET NX. So a fill computed before a commit can never
overwrite what the commit wrote. Deleted users and revoked sessions leave a tombstone for
the same reason, and a tombstone is never replaced by a live entry (workers/cache.py).
"""

import hashlib

import orjson

TOMBSTONE = b"-"


class CacheKeys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def user(self, user_id: object) -> str:
        return f"{self.prefix}:user:{user_id}"

    def session(self, session_id: object) -> str:
        return f"{self.prefix}:session:{session_id}"

    def list_generation(self) -> str:
        return f"{self.prefix}:users:generation"

    def user_list(self, generation: int | bytes | str, query: dict) -> str:
        """`query` is a ListUsers dump; generation is bumped by every user write."""
        canonical = orjson.dumps(query, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(canonical).hexdigest()[:32]
        if isinstance(generation, bytes):
            generation = generation.decode()
        return f"{self.prefix}:users:list:{generation}:{digest}"

    def rate_limit(self, scope: str, subject: str, window: int) -> str:
        return f"{self.prefix}:ratelimit:{scope}:{subject}:{window}"

    # Login back-off (edge.login_guard). `identifier` is "email:…" or "username:…"; only its
    # digest is in the key, never an address. The digest is a {hash tag}: the keys of one
    # identifier share a Redis Cluster slot, so one script may touch them together.
    def login_failures(self, identifier: str) -> str:
        return f"{self.prefix}:login:{{{_digest(identifier)}}}:failures"

    def login_held_back(self, identifier: str) -> str:
        return f"{self.prefix}:login:{{{_digest(identifier)}}}:held"

    def login_known_client(self, identifier: str, client: str) -> str:
        """A client (rate-limit subject) that logged in to this identifier's account lately."""
        return f"{self.prefix}:login:{{{_digest(identifier)}}}:known:{_digest(client)}"

    def worker_heartbeat(self) -> str:
        return f"{self.prefix}:workers:heartbeat"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
