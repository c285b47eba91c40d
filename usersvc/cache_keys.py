"""The Redis key scheme, shared by the edge (reads) and the workers (writes).

Writers SET after commit; fillers SET NX. So a fill computed before a commit can never
overwrite what the commit wrote. Deleted users and revoked sessions leave a tombstone for
the same reason, and a tombstone is never replaced by a live entry (workers/cache.py).
"""

import hashlib

import orjson

TOMBSTONE = b"-"
# The fields a list can filter, search or sort by (besides updated_at): a change to one of
# them can move a user between pages; a change to any other field cannot.
LIST_ORDER_FIELDS = frozenset({"role", "is_active", "username", "email", "first_name", "last_name", "created_at"})


def page_kind(sort: str) -> str:
    """Pages sorted by updated_at move on every write; all others only when LIST_ORDER_FIELDS change."""
    return "any" if sort.removeprefix("-") == "updated_at" else "order"


def page_entry(*, ids: list[str], pagination: dict) -> bytes:
    """What a cached page holds: its pagination object, a newline, its user ids in order."""
    return orjson.dumps(pagination) + b"\n" + " ".join(ids).encode()


class CacheKeys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def user(self, user_id: object) -> str:
        return f"{self.prefix}:user:{user_id}"

    def session(self, session_id: object) -> str:
        return f"{self.prefix}:session:{session_id}"

    # The list index, generations and pages, shares one Redis Cluster slot, the {users} hash
    # tag: the edge reads a generation and the page it names in one script. The pages' users
    # are user() keys, spread over the cluster (edge/gate.py, _page_across_slots).
    def list_generation(self, kind: str) -> str:
        """`kind` from page_kind(): "order" is bumped by writes that can move users between
        pages, "any" by every user write (pages sorted by updated_at)."""
        return f"{self.prefix}:{{users}}:generation:{kind}"

    def user_page(self, kind: str, generation: int | bytes | str, query: dict) -> str:
        """A list page as the ordered ids of its users (see UserPageEntry); `query` is a
        ListUsers dump. Old generations are unreachable, so never stale."""
        canonical = orjson.dumps(query, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(canonical).hexdigest()[:32]
        if isinstance(generation, bytes):
            generation = generation.decode()
        return f"{self.prefix}:{{users}}:page:{kind}:{generation}:{digest}"

    def user_prefix(self) -> str:
        """user(id) is this followed by the id (for the edge's page script)."""
        return f"{self.prefix}:user:"

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

    def login_mfa_pending(self, mfa_token: str) -> str:
        """A login waiting for its second factor: holds the login identifier (as the user typed
        it, normalised) for as long as the mfa_token lives; keyed by the token's digest."""
        return f"{self.prefix}:login:mfa:{_digest(mfa_token)}"

    def worker_heartbeat(self) -> str:
        return f"{self.prefix}:workers:heartbeat"

    # The public signing keys (usersvc/published_keys.py): a hash {version, document}, and the
    # channel that tells every edge process to reload it.
    def signing_keys(self) -> str:
        return f"{self.prefix}:signing-keys"

    def signing_keys_channel(self) -> str:
        return f"{self.prefix}:signing-keys:changed"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
