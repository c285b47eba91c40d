"""The Redis layout, shared by the edge (reads) and the workers (writes): the key scheme and
the Lua scripts that read and write it, in one place so the two sides cannot disagree.

Writers SET after commit; fillers SET NX. So a fill computed before a commit can never
overwrite what the commit wrote. Deleted users and revoked sessions leave a tombstone for
the same reason, and a tombstone is never replaced by a live entry (ENTRY_SCRIPT).
"""

import hashlib

import orjson

TOMBSTONE = b"-"

# A cached list page is keyed by generation counters of what decides which users it holds and
# in what order: membership (users created or deleted), each filter it uses, its search, its
# sort field. A write bumps the counters of what it changed. So a login or a phone change
# leaves every page not sorted by updated_at valid, and a first_name change refills only the
# pages that search or sort by first_name; the users' own fields on a page are always current
# (assembled from their entries by the edge).
MEMBERS = "members"
SEARCH = "search"
SEARCHED_FIELDS = frozenset({"username", "email", "first_name", "last_name"})  # ListUsers.search
LISTED_FIELDS = SEARCHED_FIELDS | {"role", "is_active", "created_at", "updated_at"}  # filters, sorts
# Every user write changes updated_at, so its counter also names the database state a list
# fill must not predate (the edge's single flight of list misses).
EVERY_WRITE = "updated_at"


def page_dependencies(query: dict) -> list[str]:
    """The counters a page of this ListUsers query (a dump) is keyed by, in a fixed order."""
    dependencies = [MEMBERS]
    dependencies += [name for name in ("role", "is_active") if query.get(name) is not None]
    if query.get("search"):
        dependencies.append(SEARCH)
    dependencies.append(query["sort"].removeprefix("-"))
    return dependencies


def changed_dependencies(old: dict | None, new: dict) -> set[str]:
    """The counters a change of one user bumps (old None: created)."""
    if old is None:
        return {MEMBERS}
    changed = {name for name in LISTED_FIELDS if old.get(name) != new.get(name)}
    if changed & SEARCHED_FIELDS:
        changed.add(SEARCH)
    return changed


# login_account's value for an identifier that names no live, active account.
NO_ACCOUNT = b"-"
# How long login_account remembers: longer than any hold, and renewed by every login.
LOGIN_ACCOUNT_SECONDS = 24 * 3600


# Whether a back-off subject is held back now (edge.login_guard; the workers check it again at
# login). KEYS: its held-back marker, its known-client marker for the client. Returns the
# milliseconds left on the hold, or 0 when there is none or the client is known.
LOGIN_HOLD_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
return 0
"""


def login_identifier(*, email: str | None, username: str | None) -> str:
    """A login's identifier, normalised as the workers look it up (emails are stored
    lower-cased, usernames unique case-insensitively), and tagged so a username never
    aliases an email."""
    if email is not None:
        return f"email:{email.strip().lower()}"
    return f"username:{(username or '').strip().lower()}"


def account_subject(user_id: object) -> str:
    """The login back-off's subject for an account, whichever identifier was used."""
    return f"account:{user_id}"


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

    # The list counters and pages share one Redis Cluster slot, the {users} hash tag: the edge
    # reads a page's counters and the page they name in one script. The pages' users
    # are user() keys, spread over the cluster (edge/gate.py, _page_across_slots).
    def list_generation(self, name: str) -> str:
        """The counter of one page dependency (MEMBERS, SEARCH or a field; see page_dependencies)."""
        return f"{self.prefix}:{{users}}:generation:{name}"

    def user_page(self, generations: str, query: dict) -> str:
        """A list page as the ordered ids of its users (page_entry); `query` is a ListUsers
        dump, `generations` its dependencies' counters joined by dots. A bump makes the old
        key unreachable, so a page is never stale."""
        canonical = orjson.dumps(query, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(canonical).hexdigest()[:32]
        return f"{self.prefix}:{{users}}:page:{generations}:{digest}"

    def user_prefix(self) -> str:
        """user(id) is this followed by the id (for the edge's page script)."""
        return f"{self.prefix}:user:"

    def analytics(self, name: str, first: object, last: object) -> str:
        """An analytics answer (`name`: summary, clients) for a range of days, kept a few seconds."""
        return f"{self.prefix}:analytics:{name}:{first}:{last}"

    def rate_limit(self, scope: str, subject: str, window: int) -> str:
        return f"{self.prefix}:ratelimit:{scope}:{subject}:{window}"

    # Login back-off (edge.login_guard). Its `subject` is an account ("account:<id>", see
    # account_subject) or, for an identifier that names none, the identifier itself (see
    # login_identifier); only its digest is in the key, never an address. The digest is a
    # {hash tag}: the keys of one subject share a Redis Cluster slot, so one script may touch
    # them together.
    def login_failures(self, subject: str) -> str:
        return f"{self.prefix}:login:{{{_digest(subject)}}}:failures"

    def login_held_back(self, subject: str) -> str:
        return f"{self.prefix}:login:{{{_digest(subject)}}}:held"

    def login_known_client(self, subject: str, client: str) -> str:
        """A client (rate-limit subject) that logged in to this account lately."""
        return f"{self.prefix}:login:{{{_digest(subject)}}}:known:{_digest(client)}"

    def login_account(self, identifier: str) -> str:
        """The account a login identifier named when a worker last looked it up: its id, or
        NO_ACCOUNT. Written by the workers on every login, read by the edge."""
        return f"{self.prefix}:login:{{{_digest(identifier)}}}:account"

    def login_mfa_pending(self, mfa_token: str) -> str:
        """A login waiting for its second factor: holds its back-off subject for as long as the
        mfa_token lives; keyed by the token's digest."""
        return f"{self.prefix}:login:mfa:{_digest(mfa_token)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- scripts ------------------------------------------------------------------------------
# Each request's checks (edge/gate.py).
# KEYS: session, rate-limit counter, any cache keys. ARGV: the counter's window seconds, and
# what the request counts (1 unless given: a GraphQL query counts its cost).
# Returns the session entry, the count, then each cache key's value (false → nil).
ADMIT_SCRIPT = """
local result = {redis.call('GET', KEYS[1]) or false}
local weight = tonumber(ARGV[2] or 1)
local count = redis.call('INCRBY', KEYS[2], weight)
if count == weight then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
result[2] = count
for index = 3, #KEYS do result[index] = redis.call('GET', KEYS[index]) or false end
return result
"""
# The generations of a page (usersvc/cache_keys.py): KEYS[first..#KEYS-1] its dependencies'
# counters, KEYS[#KEYS] the every-write counter. Sets `generation` (the counters joined by
# dots, as in the page's key) and `state` (that and the every-write counter: the database
# state a fill must not predate).
PAGE_GENERATIONS = """
local counters = {}
for index = first, #KEYS - 1 do counters[#counters + 1] = redis.call('GET', KEYS[index]) or '0' end
local generation = table.concat(counters, '.')
local state = generation .. ':' .. (redis.call('GET', KEYS[#KEYS]) or '0')
"""
# A list page: KEYS session, rate-limit counter, then the page's generation keys (above);
# ARGV: window seconds, page key template with '{generation}', the request's weight (1 if
# not given; a GraphQL query counts its cost). Returns the session, the
# count, `state` and the page entry (false: not cached). The edge then reads the page's
# users with one MGET (_assemble_page): in the script, their 20 entries crossing into Lua
# and back cost Redis, the one thread every edge process waits on, half of the page's time.
ADMIT_PAGE_SCRIPT = (
    """
local session = redis.call('GET', KEYS[1]) or false
local weight = tonumber(ARGV[3] or 1)
local count = redis.call('INCRBY', KEYS[2], weight)
if count == weight then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
local first = 3
"""
    + PAGE_GENERATIONS
    + """
return {session, count, state, redis.call('GET', (string.gsub(ARGV[2], '{generation}', generation))) or false}
"""
)
COUNT_SCRIPT = """
local weight = tonumber(ARGV[2] or 1)
local count = redis.call('INCRBY', KEYS[1], weight)
if count == weight then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# On a cluster, ADMIT_PAGE_SCRIPT's part in the list slot ({users}, see CacheKeys): KEYS the
# page's generation keys; ARGV the page key template. Returns the page entry (or false) and
# `state`, as ADMIT_PAGE_SCRIPT does.
PAGE_LOOKUP_SCRIPT = (
    "local first = 1\n"
    + PAGE_GENERATIONS
    + """
return {redis.call('GET', (string.gsub(ARGV[1], '{generation}', generation))) or false, state}
"""
)


# Entries written after a commit or filled by a query (workers/cache.py).
WRITE = "write"  # after a commit: replaces a live entry, never a tombstone
FILL = "fill"  # from a query: only where nothing is cached (it may predate a commit)

# KEYS[1]: a user or session key. ARGV: value, ttl seconds, WRITE or FILL. Returns 1 if set.
ENTRY_SCRIPT = f"""
local value, ttl, mode = ARGV[1], ARGV[2], ARGV[3]
if value ~= '{TOMBSTONE.decode()}' then
  local current = redis.call('GET', KEYS[1])
  if current == '{TOMBSTONE.decode()}' or (current and mode == '{FILL}') then return 0 end
end
redis.call('SET', KEYS[1], value, 'EX', ttl)
return 1
"""


# The login back-off's failures and successes (edge/login_guard.py; LOGIN_HOLD_SCRIPT above).
# KEYS: failure counter, held-back marker. ARGV: counter lifetime, threshold, then the hold
# schedule (seconds for the threshold-th failure, the next, …; the last one repeats).
# Returns the seconds of the hold this failure started (0 below the threshold).
FAILURE_SCRIPT = """
local failures = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
local step = failures - tonumber(ARGV[2]) + 1
if step < 1 then return 0 end
local seconds = tonumber(ARGV[math.min(step, #ARGV - 2) + 2])
redis.call('SET', KEYS[2], failures, 'EX', seconds)
return seconds
"""
# KEYS: failure counter, held-back marker, known-client marker. ARGV: known-client lifetime.
SUCCESS_SCRIPT = """
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[1])
return 1
"""
