"""OAuth clients registered by an admin (contract section 7, "Clients"): REST, bus and CLI.

Every route, its validation, a secret shown once and never again (not in reads, audit
rows, events or logs), rotation, and a delete that ends the client's grants at once."""

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest
import redis

from tests.integration.bus import BusClient
from tests.support import database
from usersvc.cache_keys import TOMBSTONE, CacheKeys
from usersvc.domain.oauth import ClientSecretDigester
from usersvc.settings import DEVELOPMENT_SECRET_KEY

CLIENTS = "/v1/oauth/clients"
FIELDS = {
    "client_id", "name", "type", "first_party", "redirect_uris", "post_logout_redirect_uris",
    "grant_types", "scopes", "id_token_signed_response_alg", "created_at", "updated_at",
}  # fmt: skip


def client_body(**overrides) -> dict:
    return {
        "name": f"App {uuid.uuid4().hex[:8]}",
        "type": "confidential",
        "redirect_uris": ["https://app.example.com/callback"],
        **overrides,
    }


def register(admin, **overrides) -> dict:
    response = admin.post(CLIENTS, json=client_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def digester(stack) -> ClientSecretDigester:
    return ClientSecretDigester(stack.env.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY)


async def stored_digest(stack, client_id: str) -> str | None:
    async with database(stack.owner_database_url) as connection:
        return await connection.fetchval(
            'SELECT "secret_digest" FROM "oauth_clients" WHERE "client_id" = $1', client_id
        )


def audit_rows(admin, client_id: str) -> list[dict]:
    return admin.get("/v1/audit-logs", params={"entity_id": client_id}).json()["data"]


def every_log(stack) -> str:
    return "".join(stack.log_text(name) for name in ("worker-1", "worker-2", "edge"))


def field_errors(response) -> set[str]:
    assert response.status_code == 422, response.text
    body = response.json()["error"]
    assert body["code"] == "VALIDATION_ERROR"
    return {detail["field"] for detail in body["details"]}


async def collect_events(queue, client_id: str, count: int) -> list[dict]:
    events: list[dict] = []
    async with queue.iterator(timeout=20) as messages:
        async for message in messages:
            await message.ack()
            event = json.loads(message.body)
            if event["data"].get("client_id") == client_id:
                events.append(event)
                if len(events) == count:
                    return events
    return events


async def test_a_confidential_client_sees_its_secret_once_and_never_again(stack, admin):
    connection = await aio_pika.connect(stack.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind("usersvc.events", routing_key="oauth_client.*")
        response = admin.post(CLIENTS, json=client_body(post_logout_redirect_uris=["https://app.example.com/bye"]))
        assert response.status_code == 201, response.text
        created = response.json()
        client_id, secret = created["client_id"], created["client_secret"]
        assert response.headers["Location"] == f"{CLIENTS}/{client_id}"
        assert response.headers["Cache-Control"] == "no-store"
        assert set(created) == FIELDS | {"client_secret"}
        assert created["first_party"] is False
        assert created["grant_types"] == ["authorization_code", "refresh_token"]
        assert created["scopes"] == ["openid", "profile", "email", "offline_access"]
        assert created["id_token_signed_response_alg"] == "RS256"
        assert created["post_logout_redirect_uris"] == ["https://app.example.com/bye"]
        assert len(secret) >= 43

        one = admin.get(f"{CLIENTS}/{client_id}")
        assert one.status_code == 200 and set(one.json()) == FIELDS
        assert one.json() == {key: value for key, value in created.items() if key != "client_secret"}
        listed = admin.get(CLIENTS, params={"page_size": 100}).json()
        assert client_id in [client["client_id"] for client in listed["data"]]
        assert set(listed["pagination"]) == {"current_page", "page_size", "total_items", "total_pages"}

        rotated = admin.post(f"{CLIENTS}/{client_id}/secret")
        assert rotated.status_code == 200 and rotated.headers["Cache-Control"] == "no-store"
        assert set(rotated.json()) == {"client_secret"}
        new_secret = rotated.json()["client_secret"]
        events = await collect_events(queue, client_id, 2)

    digest = await stored_digest(stack, client_id)
    assert new_secret != secret
    assert digester(stack).matches(new_secret, digest) and not digester(stack).matches(secret, digest)
    assert [event["type"] for event in events] == ["oauth_client.created", "oauth_client.secret_rotated"]
    rows = audit_rows(admin, client_id)
    assert sorted(row["action"] for row in rows) == ["oauth_client.create", "oauth_client.rotate_secret"]
    assert all(row["entity_type"] == "oauth_client" for row in rows)
    reads = json.dumps([one.json(), listed, rows, events])
    for leaked in (secret, new_secret, digest, digester(stack).digest(secret), "secret_digest", "client_secret"):
        assert leaked not in reads
    logs = every_log(stack)
    assert secret not in logs and new_secret not in logs


async def test_rotating_changes_the_digest_and_the_old_secret_stops_matching(stack, admin):
    client = register(admin)
    before = await stored_digest(stack, client["client_id"])
    assert digester(stack).matches(client["client_secret"], before)
    first = admin.post(f"{CLIENTS}/{client['client_id']}/secret").json()["client_secret"]
    second = admin.post(f"{CLIENTS}/{client['client_id']}/secret").json()["client_secret"]
    after = await stored_digest(stack, client["client_id"])
    assert len({before, after}) == 2 and len({client["client_secret"], first, second}) == 3
    assert digester(stack).matches(second, after)
    assert not any(digester(stack).matches(old, after) for old in (client["client_secret"], first))


async def test_a_public_client_has_no_secret(stack, admin):
    client = register(admin, type="public", redirect_uris=["http://127.0.0.1/callback"])
    assert set(client) == FIELDS and client["type"] == "public"
    assert await stored_digest(stack, client["client_id"]) is None
    refused = admin.post(f"{CLIENTS}/{client['client_id']}/secret")
    assert field_errors(refused) == {"client_id"}


def test_client_credentials_are_for_confidential_clients_only(admin):
    refused = admin.post(CLIENTS, json=client_body(type="public", grant_types=["client_credentials"]))
    assert field_errors(refused) == {"grant_types"}
    service = register(admin, redirect_uris=[], grant_types=["client_credentials"], scopes=["users:read"])
    assert service["redirect_uris"] == [] and "client_secret" in service
    made_public = admin.patch(f"{CLIENTS}/{service['client_id']}", json={"type": "public"})
    assert field_errors(made_public) == {"grant_types"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "nul\u0000name"}, "name"),
        ({"type": "secret"}, "type"),
        ({"type": None}, "type"),
        ({"surprise": 1}, "surprise"),
        ({"first_party": "yes"}, "first_party"),
        ({"redirect_uris": []}, "redirect_uris"),
        ({"redirect_uris": "https://app.example.com/cb"}, "redirect_uris"),
        ({"redirect_uris": ["https://app.example.com/cb#frag"]}, "redirect_uris.0"),
        ({"redirect_uris": ["https://a.example.com/cb", "https://user@b.example.com/cb"]}, "redirect_uris.1"),
        ({"redirect_uris": ["https://*.example.com/cb"]}, "redirect_uris.0"),
        ({"redirect_uris": ["/relative/cb"]}, "redirect_uris.0"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "redirect_uris.0"),
        ({"post_logout_redirect_uris": ["https://app.example.com/bye#x"]}, "post_logout_redirect_uris.0"),
        ({"grant_types": ["implicit"]}, "grant_types.0"),
        ({"grant_types": []}, "grant_types"),
        ({"scopes": ["openid", "admin"]}, "scopes.1"),
        ({"id_token_signed_response_alg": "HS256"}, "id_token_signed_response_alg"),
        ({"id_token_signed_response_alg": "none"}, "id_token_signed_response_alg"),
    ],
)
def test_registrations_that_break_a_rule_are_refused(admin, overrides, field):
    response = admin.post(CLIENTS, json=client_body(**overrides))
    assert field in field_errors(response)


def test_a_name_is_required_and_a_body_must_be_an_object(admin):
    assert "name" in field_errors(admin.post(CLIENTS, json={"type": "public", "redirect_uris": []}))
    assert admin.post(CLIENTS, content=b"[]").status_code == 400


def test_patch_changes_fields_by_the_same_rules(stack, admin):
    client = register(admin)
    path = f"{CLIENTS}/{client['client_id']}"
    changed = admin.patch(path, json={"redirect_uris": ["https://app.example.com/new"], "first_party": True})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert set(body) == FIELDS and body["redirect_uris"] == ["https://app.example.com/new"] and body["first_party"]
    assert body["updated_at"] > client["updated_at"] and body["created_at"] == client["created_at"]
    assert admin.get(path).json() == body
    assert field_errors(admin.patch(path, json={"redirect_uris": []})) == {"redirect_uris"}
    assert field_errors(admin.patch(path, json={"redirect_uris": ["https://x.example.com/#a"]})) == {"redirect_uris.0"}
    assert "name" in field_errors(admin.patch(path, json={"name": None}))
    assert "client_secret" in field_errors(admin.patch(path, json={"client_secret": "mine"}))
    assert "client_id" in field_errors(admin.patch(path, json={"client_id": "other"}))
    assert admin.patch(path, json={}).json() == body  # nothing to change: no audit row either
    actions = [row["action"] for row in audit_rows(admin, client["client_id"])]
    assert sorted(actions) == ["oauth_client.create", "oauth_client.update"]


async def test_changing_the_type_gives_or_takes_the_secret(stack, admin):
    client = register(admin)
    path = f"{CLIENTS}/{client['client_id']}"
    public = admin.patch(path, json={"type": "public"})
    assert public.status_code == 200 and "client_secret" not in public.json()
    assert await stored_digest(stack, client["client_id"]) is None
    confidential = admin.patch(path, json={"type": "confidential"})
    assert confidential.status_code == 200 and confidential.headers["Cache-Control"] == "no-store"
    secret = confidential.json()["client_secret"]
    assert digester(stack).matches(secret, await stored_digest(stack, client["client_id"]))
    assert "client_secret" not in admin.get(path).json()
    assert secret not in json.dumps(audit_rows(admin, client["client_id"]))


def test_clients_are_listed_newest_first_in_pages(admin):
    older, newer = register(admin), register(admin)
    page = admin.get(CLIENTS, params={"page": 1, "page_size": 2}).json()
    assert [client["client_id"] for client in page["data"]] == [newer["client_id"], older["client_id"]]
    assert page["pagination"]["current_page"] == 1 and page["pagination"]["page_size"] == 2
    assert page["pagination"]["total_items"] >= 2
    assert all("client_secret" not in client for client in page["data"])
    assert "page_size" in field_errors(admin.get(CLIENTS, params={"page_size": 101}))
    assert "page" in field_errors(admin.get(CLIENTS, params={"page": 0}))


async def _grant_session_and_consent(stack, user_id: str, client_id: str) -> uuid.UUID:
    """What the token endpoint will write for a grant: a session of kind 'grant' and a consent."""
    session_id = uuid.uuid4()
    now = datetime.now(UTC)
    async with database(stack.owner_database_url) as connection:
        await connection.execute(
            'INSERT INTO "user_sessions" ("id", "user_id", "created_at", "last_used_at", "expires_at", "kind", '
            '"client_id", "scopes") VALUES ($1, $2, $3, $3, $4, \'grant\', $5, \'["openid"]\')',
            session_id,
            uuid.UUID(user_id),
            now,
            now + timedelta(days=1),
            client_id,
        )
        await connection.execute(
            'INSERT INTO "oauth_consents" ("id", "user_id", "client_id", "scopes", "granted_at") '
            "VALUES ($1, $2, $3, '[\"openid\"]', $4)",
            uuid.uuid4(),
            uuid.UUID(user_id),
            client_id,
            now,
        )
    return session_id


async def test_delete_revokes_the_clients_grants_at_once(stack, admin, make_user):
    user, _ = make_user()
    client, other = register(admin), register(admin)
    session_id = await _grant_session_and_consent(stack, user["id"], client["client_id"])
    kept_id = await _grant_session_and_consent(stack, user["id"], other["client_id"])
    path = f"{CLIENTS}/{client['client_id']}"
    deleted = admin.delete(path)
    assert deleted.status_code == 204, deleted.text
    async with database(stack.owner_database_url) as connection:
        revoked = await connection.fetchval('SELECT "revoked_at" FROM "user_sessions" WHERE "id" = $1', session_id)
        kept = await connection.fetchval('SELECT "revoked_at" FROM "user_sessions" WHERE "id" = $1', kept_id)
        consents = await connection.fetch('SELECT "client_id" FROM "oauth_consents" WHERE "user_id" = $1', user["id"])
        row = await connection.fetchrow('SELECT * FROM "oauth_clients" WHERE "client_id" = $1', client["client_id"])
    assert revoked is not None and kept is None
    assert [consent["client_id"] for consent in consents] == [other["client_id"]]
    assert row["deleted_at"] is not None and row["secret_digest"] is None
    cache = redis.Redis.from_url(stack.env["REDIS_URL"])
    assert cache.get(CacheKeys(stack.env["REDIS_KEY_PREFIX"]).session(session_id)) == TOMBSTONE
    cache.close()
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/secret")):
        kwargs = {"json": {"name": "x"}} if method == "PATCH" else {}
        gone = admin.request(method, path + suffix, **kwargs)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "NOT_FOUND"), (method, suffix)
    listed = admin.get(CLIENTS, params={"page_size": 100}).json()["data"]
    assert client["client_id"] not in [each["client_id"] for each in listed]
    actions = {
        row["action"] for row in admin.get("/v1/audit-logs", params={"entity_id": str(session_id)}).json()["data"]
    }
    assert actions == {"session.revoke"}
    assert "oauth_client.delete" in [row["action"] for row in audit_rows(admin, client["client_id"])]


def test_unknown_clients_are_not_found(admin):
    for path in (f"{CLIENTS}/nope", f"{CLIENTS}/{'x' * 65}", f"{CLIENTS}/a%00b", f"{CLIENTS}/%C3%A9"):
        assert admin.get(path).status_code == 404
        assert admin.patch(path, json={"name": "x"}).status_code == 404
        assert admin.delete(path).status_code == 404
        assert admin.post(f"{path}/secret").status_code == 404


@pytest.mark.parametrize("role", ["user", "moderator"])
def test_only_admins_manage_clients(admin, make_user, role):
    client = register(admin)
    _, api = make_user(role)
    path = f"{CLIENTS}/{client['client_id']}"
    for method, target, kwargs in (
        ("POST", CLIENTS, {"json": client_body()}),
        ("GET", CLIENTS, {}),
        ("GET", path, {}),
        ("PATCH", path, {"json": {"name": "mine"}}),
        ("DELETE", path, {}),
        ("POST", f"{path}/secret", {}),
        ("GET", f"{CLIENTS}/unknown", {}),
    ):
        response = api.request(method, target, **kwargs)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "FORBIDDEN"), (method, target)
    assert admin.get(path).json()["name"] == client["name"]


def test_anonymous_callers_are_unauthenticated(anonymous):
    assert anonymous.get(CLIENTS).status_code == 401
    assert anonymous.post(CLIENTS, json=client_body()).status_code == 401


async def test_a_service_manages_clients_over_the_bus(stack, admin, make_user):
    async with BusClient(stack.amqp_url) as service:
        created = await service.call("oauth_client.create", client_body(grant_types=["client_credentials"]))
        assert created["ok"], created
        client_id, secret = created["data"]["client_id"], created["data"]["client_secret"]
        got = await service.call("oauth_client.get", {"client_id": client_id})
        listed = await service.call("oauth_client.list", {"page": 1, "page_size": 5})
        updated = await service.call("oauth_client.update", {"client_id": client_id, "name": "Renamed"})
        rotated = await service.call("oauth_client.rotate_secret", {"client_id": client_id})
        refused = await service.call(
            "oauth_client.create", client_body(type="public", grant_types=["client_credentials"])
        )
        deleted = await service.call("oauth_client.delete", {"client_id": client_id})
        missing = await service.call("oauth_client.get", {"client_id": client_id})
        malformed = await service.call("oauth_client.get", {"client_id": "a\u0000b"})
    assert got["ok"] and set(got["data"]) == FIELDS
    assert listed["ok"] and listed["data"]["data"][0]["client_id"] == client_id
    assert updated["ok"] and updated["data"]["name"] == "Renamed"
    assert rotated["ok"] and rotated["data"]["client_secret"] != secret
    assert refused["error"]["code"] == "VALIDATION_ERROR"
    assert deleted == {"ok": True, "data": None}
    assert missing["error"]["code"] == "NOT_FOUND"
    assert malformed["error"]["code"] == "VALIDATION_ERROR"
    actors = {(row["action"], row["actor"]["type"]) for row in audit_rows(admin, client_id)}
    assert ("oauth_client.create", "service") in actors and ("oauth_client.delete", "service") in actors
    async with database(stack.owner_database_url) as connection:
        stored = await connection.fetchval(
            "SELECT count(*) FROM processed_commands WHERE reply::text LIKE $1", f"%{rotated['data']['client_secret']}%"
        )
    assert stored == 0  # a reply with a secret is never kept for replay


async def test_a_user_speaking_through_the_edge_user_is_refused_on_the_bus(stack, make_user):
    user, _ = make_user()
    edge = BusClient(stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}")
    async with edge:
        reply = await edge.call("oauth_client.create", client_body(), actor={"type": "user", "id": user["id"]})
    assert reply["error"]["code"] == "FORBIDDEN"


def _cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "clients", *args],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_cli_creates_lists_rotates_and_deletes(stack, admin):
    created = _cli(
        stack, "create", "--name", "CLI app", "--redirect-uri", "https://cli.example.com/a",
        "--redirect-uri", "https://cli.example.com/b", "--scope", "openid", "--scope", "email",
        "--post-logout-redirect-uri", "https://cli.example.com/bye", "--first-party",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    client = json.loads(created.stdout)
    assert client["redirect_uris"] == ["https://cli.example.com/a", "https://cli.example.com/b"]
    assert client["scopes"] == ["openid", "email"] and client["first_party"] is True
    assert client["type"] == "confidential" and client["client_secret"]
    assert digester(stack).matches(client["client_secret"], await stored_digest(stack, client["client_id"]))
    listed = _cli(stack, "list")
    assert listed.returncode == 0 and client["client_id"] in [each["client_id"] for each in json.loads(listed.stdout)]
    assert "client_secret" not in listed.stdout
    rotated = _cli(stack, "rotate-secret", "--", client["client_id"])
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["client_secret"] != client["client_secret"]
    deleted = _cli(stack, "delete", "--", client["client_id"])
    assert deleted.returncode == 0 and admin.get(f"{CLIENTS}/{client['client_id']}").status_code == 404
    rows = audit_rows(admin, client["client_id"])
    assert {row["actor"]["id"] for row in rows} == {"usersvc-cli"}
    assert sorted(row["action"] for row in rows) == [
        "oauth_client.create", "oauth_client.delete", "oauth_client.rotate_secret",
    ]  # fmt: skip
    public = _cli(stack, "create", "--name", "SPA", "--type", "public", "--grant-type", "client_credentials")
    assert public.returncode != 0
    assert public.stderr.strip().splitlines()[-1].startswith("usersvc: clients create refused: VALIDATION_ERROR")
