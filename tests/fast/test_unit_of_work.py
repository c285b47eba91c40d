"""The unit of work's own rules (workers/unit_of_work.py), as every write handler meets them:
who acts, one transaction, idempotency, refusals, RefuseAfterCommit, the after-commit steps,
and outages left to the middleware."""

import uuid

import pytest

from tests.fast.memory import DatabaseDown
from tests.fast.world import World
from usersvc.domain.commands import CreateUser, DeleteUser, GetSigningKeys, ImportUsers, Ping, UpdateUser
from usersvc.domain.errors import ErrorCode
from usersvc.domain.passwords import PasswordHasher
from usersvc.workers.middleware import outage_behind

BCRYPT_HASH = PasswordHasher(rounds=4).hash("Imp0rted!pass")


def body(**overrides) -> CreateUser:
    values = {"username": "newbie", "email": "newbie@example.com", "password": "Passw0rd!", "first_name": "N"}
    return CreateUser(**{"last_name": "B", **values, **overrides})


async def test_a_write_commits_once_and_then_writes_the_cache_and_publishes(world: World, admin):
    await world.ok(body(), as_user=admin)
    assert world.store.commits == 1 and world.store.rollbacks == 0
    assert len(world.cache.applied) == 1 and len(world.events.published) == 1


async def test_a_refusal_rolls_back_everything_the_command_did(world: World, admin):
    user = world.user()
    world.user(email="taken@example.com")
    # The user's row is saved before the uniqueness check refuses: nothing of it stays.
    await world.refused(UpdateUser(user_id=user.id, email="taken@example.com"), "EMAIL_TAKEN", as_user=admin)
    assert world.stored(user).email != "taken@example.com"
    assert world.store.rollbacks == 1 and world.store.commits == 0
    assert world.cache.applied == [] and world.events.published == []


async def test_a_refusal_is_remembered_under_its_message_id(world: World):
    user = world.user()
    await world.refused(DeleteUser(user_id=user.id), "FORBIDDEN", as_user=user, message_id="d-1")
    assert len(world.store.processed) == 1


async def test_a_success_is_remembered_with_its_reply(world: World, admin):
    reply = await world.send(body(), as_user=admin, message_id="c-1")
    ((fingerprint, stored),) = world.store.processed.values()
    assert stored == reply and len(fingerprint) == 64


async def test_a_redelivered_create_answers_as_the_first_without_a_second_user(world: World, admin):
    first = await world.send(body(), as_user=admin, message_id="c-2")
    again = await world.send(body(), as_user=admin, message_id="c-2")
    assert again == first and len(world.store.users) == 2  # the admin and one new user


async def test_the_same_message_id_from_another_caller_is_another_command(world: World):
    first = await world.send(body(), service="billing", message_id="same")
    second = await world.send(body(username="other_one", email="o@example.com"), service="crm", message_id="same")
    assert first["ok"] and second["ok"] and first["data"]["id"] != second["data"]["id"]


async def test_a_twin_that_committed_first_answers_for_the_second(world: World, admin):
    """Two deliveries of one command at once: the second's record meets the first's."""
    user = world.user()
    command = UpdateUser(user_id=user.id, last_name="Twin")
    first = await world.send(command, as_user=admin, message_id="t-1")
    world.store.processed = {key: value for key, value in world.store.processed.items()}  # as committed
    again = await world.send(command, as_user=admin, message_id="t-1")
    assert again == first and len(world.store.audit_rows("user.update")) == 1


async def test_a_fingerprint_mismatch_is_refused_without_running(world: World, admin):
    await world.ok(body(), as_user=admin, message_id="f-1")
    error = await world.refused(body(first_name="Other"), "VALIDATION_ERROR", as_user=admin, message_id="f-1")
    assert "different command" in error["message"]
    assert len(world.store.users) == 2


async def test_the_acting_users_role_is_read_again_in_the_transaction(world: World):
    moderator = world.user("moderator")
    user = world.user()
    world.stored(moderator).role = "user"  # demoted since their token was issued
    await world.refused(UpdateUser(user_id=user.id, last_name="X"), "FORBIDDEN", as_user=moderator)


async def test_a_deleted_actor_is_unauthenticated(world: World):
    admin = world.user("admin")
    world.stored(admin).deleted_at = world.stored(admin).created_at
    await world.refused(DeleteUser(user_id=uuid.uuid4()), "UNAUTHENTICATED", as_user=admin)


async def test_an_actor_id_that_is_no_uuid_is_unauthenticated(world: World):
    await world.refused(DeleteUser(user_id=uuid.uuid4()), "UNAUTHENTICATED", as_user="not-a-uuid")


async def test_a_calling_service_acts_as_itself_whatever_the_body_says(world: World):
    user = world.user()
    await world.ok(DeleteUser(user_id=user.id), service="billing")
    (row,) = world.store.audit_rows("user.delete")
    assert (row["actor_type"], row["actor_id"]) == ("service", "billing")


async def test_a_services_audit_rows_carry_no_client_context(world: World):
    from usersvc.domain.commands import CommandContext

    user = world.user()
    await world.ok(DeleteUser(user_id=user.id), service="billing", context=CommandContext(ip="198.51.100.1"))
    assert world.store.audit_rows("user.delete")[0]["ip_address"] is None


async def test_an_outage_in_the_transaction_goes_up_to_the_middleware_as_an_outage(world: World, admin):
    world.store.database_up = False
    with pytest.raises(DatabaseDown) as raised:
        await world.send(UpdateUser(user_id=admin.id, last_name="X"), as_user=admin)
    assert outage_behind(raised.value)  # CommandMiddleware answers SERVICE_UNAVAILABLE
    assert world.store.processed == {}


async def test_every_audit_row_of_a_command_carries_its_message_id(world: World, admin):
    user = world.user()
    await world.ok(DeleteUser(user_id=user.id), as_user=admin, message_id="audit-1")
    assert {row["command_id"] for row in world.store.audit} == {"audit-1"}


# --- user.import, signing_keys.get, system.ping -----------------------------------------------


def imported(name: str, **overrides) -> dict:
    return {
        "username": name,
        "email": f"{name}@example.com",
        "first_name": "I",
        "last_name": "M",
        "password_hash": BCRYPT_HASH,
        **overrides,
    }


async def test_an_import_creates_skips_taken_emails_and_rejects_taken_usernames(world: World):
    world.user(email="dup@example.com")
    world.user(username="Taken_Name")
    batch = ImportUsers(
        users=[
            imported("fresh_one"),
            imported("dup", email="dup@example.com"),
            imported("taken_name", email="t2@example.com"),
        ]
    )
    reply = await world.ok(batch, service="migrator")
    assert (reply["created"], reply["skipped"], reply["rejected"]) == (1, 1, 1)
    assert [result["status"] for result in reply["results"]] == ["created", "skipped", "rejected"]
    (row,) = world.store.audit_rows("user.import")
    assert "password_hash" not in row["new_values"]


async def test_an_import_is_for_calling_services_only(world: World, admin):
    await world.refused(ImportUsers(users=[imported("x_user")]), "FORBIDDEN", as_user=admin)


async def test_an_import_sent_again_answers_the_same(world: World):
    batch = ImportUsers(users=[imported("again_one")])
    first = await world.send(batch, service="migrator", message_id="i-1")
    assert await world.send(batch, service="migrator", message_id="i-1") == first


async def test_the_key_set_publishes_both_signing_keys_access_token_key_first(world: World):
    document = await world.ok(GetSigningKeys(), edge_itself=True)
    by_use = sorted(world.store.signing_keys.values(), key=lambda key: key.algorithm == "RS256")
    assert [entry["jwk"]["kid"] for entry in document["keys"]] == [key.kid for key in by_use]
    assert document["version"] == 2  # one state entered by each key
    assert all("d" not in entry["jwk"] and "p" not in entry["jwk"] for entry in document["keys"])  # public halves


async def test_a_ping_names_the_database_state(world: World):
    assert (await world.ok(Ping(), edge_itself=True))["database"] == "ok"
    world.store.database_up = False
    assert (await world.ok(Ping(), edge_itself=True))["database"] == "unavailable"


async def test_a_starting_worker_answers_the_ping_unavailable(world: World):
    world.deps.started.clear()
    await world.refused(Ping(), ErrorCode.SERVICE_UNAVAILABLE.value, edge_itself=True)


# --- audit.list -------------------------------------------------------------------------------


async def test_the_audit_trail_pages_newest_first_with_filters(world: World, admin):
    from usersvc.domain.commands import ListAuditLogs

    user = world.user()
    await world.ok(UpdateUser(user_id=user.id, last_name="One"), as_user=admin)
    await world.ok(UpdateUser(user_id=user.id, last_name="Two"), as_user=admin)
    await world.ok(DeleteUser(user_id=user.id), as_user=admin)
    page = await world.ok(ListAuditLogs(entity_id=str(user.id), action="user.update"), as_user=admin)
    assert page["pagination"]["total_items"] == 2
    assert [row["new_values"]["last_name"] for row in page["data"]] == ["Two", "One"]
    assert page["data"][0]["actor"] == {"type": "user", "id": str(admin.id)}


async def test_only_admins_read_the_audit_trail(world: World):
    from usersvc.domain.commands import ListAuditLogs

    moderator = world.user("moderator")
    await world.refused(ListAuditLogs(), "FORBIDDEN", as_user=moderator)


async def test_the_newest_entries_of_several_entities_come_in_one_command(world: World, admin):
    from usersvc.domain.commands import ListAuditOfEntities

    first, second, quiet = world.user(), world.user(), world.user()
    for name in ("One", "Two", "Three"):
        await world.ok(UpdateUser(user_id=first.id, last_name=name), as_user=admin)
    await world.ok(UpdateUser(user_id=second.id, last_name="Four"), as_user=admin)
    ids = [str(first.id), str(second.id), str(quiet.id)]
    found = (await world.ok(ListAuditOfEntities(entity_ids=ids, per_entity=2), as_user=admin))["data"]
    assert [row["new_values"]["last_name"] for row in found[str(first.id)]] == ["Three", "Two"]
    assert [row["new_values"]["last_name"] for row in found[str(second.id)]] == ["Four"]
    assert found[str(quiet.id)] == []
    assert found[str(first.id)][0]["actor"] == {"type": "user", "id": str(admin.id)}
    await world.refused(ListAuditOfEntities(entity_ids=ids), "FORBIDDEN", as_user=world.user("moderator"))
