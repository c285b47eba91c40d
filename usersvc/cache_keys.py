"""The Redis key scheme, shared by the edge (reads) and the workers (writes).

Writers SET unconditionally after commit; fillers SET NX. So a fill computed before a
commit can never overwrite what the commit wrote. Deleted users and revoked sessions
leave a tombstone for the same reason.
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

    def worker_heartbeat(self) -> str:
        return f"{self.prefix}:workers:heartbeat"
