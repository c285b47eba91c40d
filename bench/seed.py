"""The data the scenarios run on: users COPYed into PostgreSQL, staff tokens from API logins,
the files the Lua scripts read, and a warmed cache."""

import asyncio
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from common import Http, log
from config import Run
from stack import ADMIN_PASSWORD, ADMIN_USERNAME

SEED_PASSWORD = "Bench!Pass1"
LIST_PATH = "/v1/users?role=user&is_active=true&sort=last_name&page=5&page_size=20"
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "John",
    "Radia",
    "Edsger",
    "Donald",
    "Hedy",
    "Tim",
    "Sophie",
    "Guido",
    "Katherine",
    "Niklaus",
    "Anita",
]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Backus",
    "Perlman",
    "Dijkstra",
    "Knuth",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "van Rossum",
    "Johnson",
    "Wirth",
    "Borg",
    "Kay",
    "Cerf",
    "Kahn",
    "Goldberg",
    "Wozniak",
    "Hoare",
    "Milner",
]


def service_hasher():
    """The service's own password hasher at the cost it runs with: (hasher, rounds)."""
    from usersvc.domain.passwords import PasswordHasher

    rounds = int(os.environ.get("BCRYPT_ROUNDS", "12"))
    return PasswordHasher(rounds=rounds), rounds


async def _copy_users(run: Run, password_hash: str) -> dict:
    import asyncpg

    n = run.args.users
    admins, moderators = max(run.staff_tokens // 2, 8), max(run.staff_tokens // 2, 8) * 2
    now = datetime.now(UTC)
    records, users = [], {"admin": [], "moderator": [], "user": [], "inactive": []}
    for i in range(n):
        user_id = uuid.uuid4()
        role = "admin" if i < admins else "moderator" if i < admins + moderators else "user"
        active = not (role == "user" and i % 97 == 0)
        username = f"b{run.tag}_{i:05d}"
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        created = now - timedelta(minutes=n - i)
        phone = f"+1 555 {i % 1000:03d} {i % 10000:04d}" if i % 3 == 0 else None
        records.append(
            (
                user_id,
                username,
                f"{username}@bench.example.com",
                password_hash,
                first,
                last,
                phone,
                role,
                active,
                i % 4 == 0,
                None,
                created,
                created,
                None,
            )
        )
        users[role if active else "inactive"].append({"id": str(user_id), "username": username})
    connection = await asyncpg.connect(run.database_url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.copy_records_to_table(
            "users",
            records=records,
            columns=[
                "id",
                "username",
                "email",
                "password_hash",
                "first_name",
                "last_name",
                "phone",
                "role",
                "is_active",
                "email_verified",
                "last_login_at",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        )
        await connection.execute("ANALYZE users")
        total = await connection.fetchval("SELECT count(*) FROM users WHERE deleted_at IS NULL")
    finally:
        await connection.close()
    return {"users": users, "total": total}


def seed_users(run: Run) -> dict[str, list[dict]]:
    """--users users by COPY, sharing one hash of SEED_PASSWORD; {role: [{id, username}]}."""
    started = time.perf_counter()
    hasher, _ = service_hasher()
    seeded = asyncio.run(_copy_users(run, hasher.hash(SEED_PASSWORD)))
    log(
        f"seeded {run.args.users} users by COPY in {time.perf_counter() - started:.1f}s "
        f"({seeded['total']} live users in the table)"
    )
    run.report["seed"] = {
        "users": run.args.users,
        "live_users_total": seeded["total"],
        "seconds": round(time.perf_counter() - started, 2),
    }
    return seeded["users"]


def login_many(http_: Http, usernames: list[str], password: str) -> list[str]:
    def one(username: str) -> str:
        status, body = http_.request("POST", "/v1/auth/login", {"username": username, "password": password})
        if status != 200:
            raise RuntimeError(f"login {username}: {status} {body}")
        return body["access_token"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, usernames))


def warm_cache(http_: Http, get_ids: list[str], staff_tokens: list[str]) -> None:
    started = time.perf_counter()

    def warm(index_id: tuple[int, str]) -> int:
        index, user_id = index_id
        status, _ = http_.request("GET", f"/v1/users/{user_id}", token=staff_tokens[index % len(staff_tokens)])
        return status

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(warm, enumerate(get_ids)))
    bad = [s for s in statuses if s != 200]
    if bad:
        raise RuntimeError(f"cache warm-up: {len(bad)} non-200 answers, e.g. {bad[:5]}")
    status, _ = http_.request("GET", LIST_PATH, token=staff_tokens[0])
    if status != 200:
        raise RuntimeError(f"list warm-up: {status}")
    log(f"warmed the cache with {len(get_ids)} users in {time.perf_counter() - started:.1f}s")


def prepare_data(run: Run, url: str) -> dict[str, str]:
    """Seed, log in, write the Lua scripts' data files and warm the cache; {name: file path}."""
    http_ = Http(url)
    if run.managed:
        admin_name, admin_password = ADMIN_USERNAME, ADMIN_PASSWORD
    else:
        admin_name, admin_password = run.args.admin_username, run.args.admin_password
    users = seed_users(run)
    started = time.perf_counter()
    half = run.staff_tokens // 2
    admin_tokens = login_many(http_, [u["username"] for u in users["admin"][:half]], SEED_PASSWORD)
    moderator_tokens = login_many(
        http_, [u["username"] for u in users["moderator"][: run.staff_tokens - half]], SEED_PASSWORD
    )
    bootstrap_admin = login_many(http_, [admin_name], admin_password)[0] if admin_password else admin_tokens[0]
    log(f"{len(admin_tokens) + len(moderator_tokens) + 1} tokens by API login in {time.perf_counter() - started:.1f}s")
    staff_tokens = [bootstrap_admin] + admin_tokens + moderator_tokens
    plain_users = users["user"]
    get_ids = [u["id"] for u in (users["admin"] + users["moderator"] + plain_users)][: run.get_ids]
    # PATCH targets: plain users (moderators may patch them), disjoint from the login users.
    patch_targets = [u["id"] for u in plain_users[: len(plain_users) // 2]]
    login_users = [u["username"] for u in plain_users[len(plain_users) // 2 :]]

    files = {
        "staff_tokens": staff_tokens,
        "admin_tokens": [bootstrap_admin] + admin_tokens,
        "get_ids": get_ids,
        "patch_targets": patch_targets,
        "login_users": login_users,
    }
    paths = {}
    for name, lines in files.items():
        path = run.work_dir / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n")
        paths[name] = str(path)
    warm_cache(http_, get_ids, staff_tokens)
    run.report["data"] = {
        "staff_tokens": len(staff_tokens),
        "get_ids": len(get_ids),
        "patch_targets": len(patch_targets),
        "login_users": len(login_users),
    }
    return paths
