"""user.create, user.get, user.list, user.replace, user.update, user.delete, user.change_password:
their rules, in-process on memory."""

import uuid

import pytest

from tests.fast.world import PASSWORD, World, new_profile
from usersvc.domain.commands import (
    ChangePassword,
    CreateUser,
    DeleteUser,
    GetUser,
    ListUsers,
    Login,
    ReplaceUser,
    UpdateUser,
)
from usersvc.domain.replies import etag_of

NEW_PASSWORD = "N3w!passw0rd"


def create_body(**overrides) -> CreateUser:
    return CreateUser(**new_profile("jane_doe", **{"email": "jane@example.com", **overrides}))


def replace_body(user, **overrides) -> ReplaceUser:
    values = {
        "user_id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        **overrides,
    }
    return ReplaceUser(**values)


# --- user.create ------------------------------------------------------------------------------


async def test_an_admin_creates_a_user_with_its_audit_row_event_and_cache_entry(world: World, admin):
    user = await world.ok(create_body(), as_user=admin)
    assert user["username"] == "jane_doe" and user["role"] == "user" and not user["email_verified"]
    (row,) = world.store.audit_rows("user.create")
    assert row["actor_id"] == str(admin.id) and row["entity_id"] == user["id"] and row["old_values"] is None
    assert [event["type"] for event in world.events.published] == ["user.created"]
    assert world.cache.users[user["id"]] == user


async def test_the_stored_password_is_a_hash_that_logs_in(world: World, admin):
    user = await world.ok(create_body(), as_user=admin)
    assert world.stored(user["id"]).password_hash != PASSWORD
    await world.ok(Login(email="jane@example.com", password=PASSWORD), edge_itself=True)


@pytest.mark.parametrize("role", ["user", "moderator"])
async def test_only_admins_create_users(world: World, role):
    actor = world.user(role)
    await world.refused(create_body(), "FORBIDDEN", as_user=actor)
    assert len(world.store.users) == 1


async def test_a_calling_service_creates_users_as_an_admin(world: World):
    user = await world.ok(create_body(), service="billing")
    (row,) = world.store.audit_rows("user.create")
    assert (row["actor_type"], row["actor_id"]) == ("service", "billing")
    assert user["email"] == "jane@example.com"


async def test_the_edge_on_its_own_behalf_may_not_create_users(world: World):
    await world.refused(create_body(), "FORBIDDEN", edge_itself=True)


async def test_a_taken_email_is_refused(world: World, admin):
    world.user(email="jane@example.com")
    await world.refused(create_body(), "EMAIL_TAKEN", as_user=admin)


async def test_a_taken_username_is_refused_whatever_its_case(world: World, admin):
    world.user(username="Jane_Doe")
    await world.refused(create_body(), "USERNAME_TAKEN", as_user=admin)


async def test_a_soft_deleted_users_email_stays_reserved(world: World, admin):
    world.user(email="jane@example.com", deleted_at=world.store.users and None)
    deleted = world.user(email="gone@example.com")
    deleted.deleted_at = deleted.created_at
    await world.refused(create_body(email="gone@example.com"), "EMAIL_TAKEN", as_user=admin)


async def test_an_admin_may_create_another_admin(world: World, admin):
    user = await world.ok(create_body(role="admin"), as_user=admin)
    assert user["role"] == "admin"


async def test_a_deactivated_admin_acts_no_more(world: World):
    admin = world.user("admin", is_active=False)
    await world.refused(create_body(), "UNAUTHENTICATED", as_user=admin)


async def test_an_unknown_actor_is_unauthenticated(world: World):
    await world.refused(create_body(), "UNAUTHENTICATED", as_user=str(uuid.uuid4()))


# --- user.get ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "moderator"])
async def test_staff_read_anyone(world: World, role):
    reader, other = world.user(role), world.user()
    assert (await world.ok(GetUser(user_id=other.id), as_user=reader))["id"] == str(other.id)


async def test_a_user_reads_themself_and_fills_the_cache(world: World):
    user = world.user()
    view = await world.ok(GetUser(user_id=user.id), as_user=user)
    assert world.cache.users[str(user.id)] == view


async def test_a_user_may_not_read_another(world: World):
    user, other = world.user(), world.user()
    await world.refused(GetUser(user_id=other.id), "FORBIDDEN", as_user=user)


async def test_a_soft_deleted_user_is_not_found(world: World, admin):
    gone = world.user()
    gone.deleted_at = gone.created_at
    await world.refused(GetUser(user_id=gone.id), "USER_NOT_FOUND", as_user=admin)


async def test_an_unknown_user_is_not_found(world: World, admin):
    await world.refused(GetUser(user_id=uuid.uuid4()), "USER_NOT_FOUND", as_user=admin)


async def test_a_read_writes_nothing(world: World, admin):
    await world.ok(GetUser(user_id=admin.id), as_user=admin)
    assert world.store.audit == [] and world.store.processed == {} and world.store.commits == 0


# --- user.list --------------------------------------------------------------------------------


async def test_a_list_page_counts_and_pages_live_users(world: World, admin):
    for _ in range(4):
        world.user()
    gone = world.user()
    gone.deleted_at = gone.created_at
    page = await world.ok(ListUsers(page=1, page_size=2), as_user=admin)
    assert page["pagination"]["total_items"] == 5 and len(page["data"]) == 2  # 4 users and the admin
    assert world.cache.pages[-1]["page"] == page


async def test_a_list_filters_by_role_and_activity(world: World, admin):
    world.user("moderator")
    world.user(is_active=False)
    moderators = await world.ok(ListUsers(role="moderator"), as_user=admin)
    assert [user["role"] for user in moderators["data"]] == ["moderator"]
    inactive = await world.ok(ListUsers(is_active=False), as_user=admin)
    assert [user["is_active"] for user in inactive["data"]] == [False]


async def test_a_list_searches_names_and_emails_case_insensitively(world: World, admin):
    world.user(first_name="Grace", last_name="Hopper")
    world.user(first_name="Ada")
    found = await world.ok(ListUsers(search="HOPP"), as_user=admin)
    assert [user["last_name"] for user in found["data"]] == ["Hopper"]


async def test_a_list_sorts_by_a_whitelisted_field(world: World, admin):
    world.user(username="bbb_user")
    world.user(username="aaa_user")
    page = await world.ok(ListUsers(sort="username"), as_user=admin)
    assert [user["username"] for user in page["data"]] == sorted(user["username"] for user in page["data"])


async def test_plain_users_may_not_list(world: World):
    user = world.user()
    await world.refused(ListUsers(), "FORBIDDEN", as_user=user)


# --- user.replace -----------------------------------------------------------------------------


async def test_an_admin_replaces_a_profile(world: World, admin):
    user = world.user()
    new = await world.ok(replace_body(user, first_name="Grace", phone="+15550001"), as_user=admin)
    assert (new["first_name"], new["phone"]) == ("Grace", "+15550001")
    (row,) = world.store.audit_rows("user.replace")
    assert row["old_values"]["first_name"] == "First" and row["new_values"]["first_name"] == "Grace"


async def test_a_user_replaces_their_own_profile(world: World):
    user = world.user()
    assert (await world.ok(replace_body(user, last_name="Else"), as_user=user))["last_name"] == "Else"


async def test_a_user_may_not_replace_another(world: World):
    user, other = world.user(), world.user()
    await world.refused(replace_body(other), "FORBIDDEN", as_user=user)


async def test_replace_checks_if_match(world: World, admin):
    user = world.user()
    await world.refused(replace_body(user, if_match='"stale"'), "PRECONDITION_FAILED", as_user=admin)
    from usersvc.workers.repositories.users import view_of

    etag = etag_of(view_of(world.stored(user)))
    await world.ok(replace_body(user, first_name="Now", if_match=etag), as_user=admin)


async def test_replace_refuses_a_taken_username(world: World, admin):
    user = world.user()
    world.user(username="taken_name")
    await world.refused(replace_body(user, username="TAKEN_NAME"), "USERNAME_TAKEN", as_user=admin)


async def test_an_admin_changing_an_email_unverifies_it_and_mails_both_addresses(world: World, admin):
    user = world.user(email_verified=True, email_ever_verified=True)
    old_email = user.email
    new = await world.ok(replace_body(user, email="moved@example.com"), as_user=admin)
    assert new["email_verified"] is False
    assert [mail["to"] for mail in world.mails("verify_email")] == ["moved@example.com"]
    (notice,) = world.mails("email_changed")
    assert notice["to"] == old_email and notice["values"]["new_email"] == "m***@e***.com"


async def test_a_user_changing_their_own_email_needs_the_current_password(world: World):
    user = world.user()
    await world.refused(replace_body(user, email="me2@example.com"), "REAUTHENTICATION_REQUIRED", as_user=user)
    bad = replace_body(user, email="me2@example.com", current_password="wrong")
    await world.refused(bad, "REAUTHENTICATION_REQUIRED", as_user=user)
    good = replace_body(user, email="me2@example.com", current_password=PASSWORD)
    assert (await world.ok(good, as_user=user))["email"] == "me2@example.com"


async def test_replacing_an_unknown_user_is_not_found(world: World, admin):
    ghost = world.user()
    del world.store.users[ghost.id]
    await world.refused(replace_body(ghost), "USER_NOT_FOUND", as_user=admin)


# --- user.update (PATCH) ----------------------------------------------------------------------


async def test_a_patch_changes_only_what_it_names(world: World, admin):
    user = world.user()
    new = await world.ok(UpdateUser(user_id=user.id, last_name="Doe"), as_user=admin)
    assert (new["last_name"], new["first_name"]) == ("Doe", "First")
    (row,) = world.store.audit_rows("user.update")
    assert row["old_values"]["last_name"] == "Last"
    assert [event["type"] for event in world.events.published] == ["user.updated"]
    assert world.cache.users[str(user.id)]["last_name"] == "Doe"


async def test_a_patch_that_changes_nothing_records_nothing(world: World, admin):
    user = world.user()
    same = await world.ok(UpdateUser(user_id=user.id, last_name="Last"), as_user=admin)
    assert same["last_name"] == "Last"
    assert world.store.audit == [] and world.events.published == []


async def test_a_patch_sent_again_with_its_message_id_answers_the_same_and_changes_nothing(world: World, admin):
    user = world.user()
    first = await world.send(UpdateUser(user_id=user.id, last_name="Doe"), as_user=admin, message_id="m-1")
    world.stored(user).last_name = "Changed meanwhile"
    again = await world.send(UpdateUser(user_id=user.id, last_name="Doe"), as_user=admin, message_id="m-1")
    assert again == first
    assert world.stored(user).last_name == "Changed meanwhile"
    assert len(world.store.audit_rows("user.update")) == 1


async def test_another_body_under_a_used_message_id_is_refused(world: World, admin):
    user = world.user()
    await world.ok(UpdateUser(user_id=user.id, last_name="Doe"), as_user=admin, message_id="m-2")
    error = await world.refused(
        UpdateUser(user_id=user.id, last_name="Other"), "VALIDATION_ERROR", as_user=admin, message_id="m-2"
    )
    assert "already used" in error["message"]


async def test_a_message_id_is_scoped_to_the_actor_it_is_sent_for(world: World, admin):
    other_admin = world.user("admin")
    user = world.user()
    await world.ok(UpdateUser(user_id=user.id, last_name="One"), as_user=admin, message_id="shared")
    second = await world.ok(UpdateUser(user_id=user.id, last_name="Two"), as_user=other_admin, message_id="shared")
    assert second["last_name"] == "Two"


@pytest.mark.parametrize("field,value", [("last_name", "X"), ("first_name", "Y"), ("phone", "+15550002")])
async def test_a_moderator_patches_the_names_and_phone_of_plain_users(world: World, field, value):
    moderator, user = world.user("moderator"), world.user()
    assert (await world.ok(UpdateUser(user_id=user.id, **{field: value}), as_user=moderator))[field] == value


@pytest.mark.parametrize("field,value", [("role", "admin"), ("username", "new_name"), ("email", "x@example.com")])
async def test_a_moderator_may_not_patch_other_fields(world: World, field, value):
    moderator, user = world.user("moderator"), world.user()
    await world.refused(UpdateUser(user_id=user.id, **{field: value}), "FORBIDDEN", as_user=moderator)


async def test_a_moderator_may_not_patch_another_moderator(world: World):
    moderator, other = world.user("moderator"), world.user("moderator")
    await world.refused(UpdateUser(user_id=other.id, last_name="X"), "FORBIDDEN", as_user=moderator)


async def test_a_plain_user_may_not_patch_someone_else(world: World):
    user, other = world.user(), world.user()
    await world.refused(UpdateUser(user_id=other.id, last_name="X"), "FORBIDDEN", as_user=user)


async def test_a_plain_user_may_not_change_their_own_role(world: World):
    user = world.user()
    await world.refused(UpdateUser(user_id=user.id, role="admin"), "FORBIDDEN", as_user=user)


async def test_deactivating_a_user_ends_their_sessions(world: World, admin):
    user = world.user()
    tokens = await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    new = await world.ok(UpdateUser(user_id=user.id, is_active=False), as_user=admin)
    assert new["is_active"] is False
    (session,) = world.store.sessions.values()
    assert session.revoked_at is not None
    assert world.cache.sessions[str(session.id)] is None
    assert tokens["access_token"]
    assert [row["action"] for row in world.store.audit][-2:] == ["session.revoke", "user.update"]


async def test_a_role_change_moves_the_cached_role_of_every_live_session(world: World, admin):
    user = world.user()
    await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    await world.ok(UpdateUser(user_id=user.id, role="moderator"), as_user=admin)
    (session,) = world.store.sessions.values()
    assert world.cache.sessions[str(session.id)] == {"user_id": str(user.id), "role": "moderator"}


async def test_a_patch_refuses_a_taken_email(world: World, admin):
    user = world.user()
    world.user(email="taken@example.com")
    await world.refused(UpdateUser(user_id=user.id, email="taken@example.com"), "EMAIL_TAKEN", as_user=admin)
    assert world.store.audit == []


async def test_a_patch_with_a_stale_etag_changes_nothing(world: World, admin):
    user = world.user()
    await world.refused(
        UpdateUser(user_id=user.id, last_name="X", if_match='"0"'), "PRECONDITION_FAILED", as_user=admin
    )
    assert world.stored(user).last_name == "Last"


async def test_a_patch_with_if_match_star_applies(world: World, admin):
    user = world.user()
    assert (await world.ok(UpdateUser(user_id=user.id, last_name="X", if_match="*"), as_user=admin))["last_name"] == "X"


async def test_an_own_email_change_by_patch_needs_the_password_and_is_checked_again_in_the_transaction(world: World):
    user = world.user()
    await world.refused(UpdateUser(user_id=user.id, email="new@example.com"), "REAUTHENTICATION_REQUIRED", as_user=user)
    new = await world.ok(UpdateUser(user_id=user.id, email="new@example.com", current_password=PASSWORD), as_user=user)
    assert new["email"] == "new@example.com" and new["email_verified"] is False


async def test_patching_an_unknown_user_is_not_found(world: World, admin):
    await world.refused(UpdateUser(user_id=uuid.uuid4(), last_name="X"), "USER_NOT_FOUND", as_user=admin)


async def test_a_refused_patch_is_refused_alike_when_delivered_again(world: World):
    user, other = world.user(), world.user()
    first = await world.send(UpdateUser(user_id=other.id, last_name="X"), as_user=user, message_id="r-1")
    again = await world.send(UpdateUser(user_id=other.id, last_name="X"), as_user=user, message_id="r-1")
    assert first == again and first["error"]["code"] == "FORBIDDEN"


async def test_a_patch_moves_only_the_list_pages_its_fields_touch(world: World, admin):
    user = world.user()
    await world.ok(UpdateUser(user_id=user.id, last_name="Zed"), as_user=admin)
    (changes,) = world.cache.applied
    assert "last_name" in changes.list_dependencies() and "role" not in changes.list_dependencies()


# --- user.delete ------------------------------------------------------------------------------


async def test_an_admin_soft_deletes_a_user_and_ends_their_sessions(world: World, admin):
    user = world.user()
    await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    assert await world.ok(DeleteUser(user_id=user.id), as_user=admin) is None
    assert world.stored(user).deleted_at is not None
    assert all(session.revoked_at for session in world.store.sessions.values())
    (event,) = [event for event in world.events.published if event["type"] == "user.deleted"]
    assert event["data"]["deleted"] is True
    assert world.cache.users[str(user.id)] == {"deleted": True}


async def test_a_deleted_user_is_then_not_found_and_logs_in_no_more(world: World, admin):
    user = world.user()
    await world.ok(DeleteUser(user_id=user.id), as_user=admin)
    await world.refused(GetUser(user_id=user.id), "USER_NOT_FOUND", as_user=admin)
    await world.refused(DeleteUser(user_id=user.id), "USER_NOT_FOUND", as_user=admin)
    await world.refused(Login(username=user.username, password=PASSWORD), "INVALID_CREDENTIALS", edge_itself=True)


@pytest.mark.parametrize("role", ["user", "moderator"])
async def test_only_admins_delete(world: World, role):
    actor, user = world.user(role), world.user()
    await world.refused(DeleteUser(user_id=user.id), "FORBIDDEN", as_user=actor)


async def test_delete_checks_if_match(world: World, admin):
    user = world.user()
    await world.refused(DeleteUser(user_id=user.id, if_match='"x"'), "PRECONDITION_FAILED", as_user=admin)
    assert world.stored(user).deleted_at is None


# --- user.change_password ---------------------------------------------------------------------


async def test_a_user_changes_their_password_with_the_current_one(world: World):
    user = world.user()
    await world.ok(ChangePassword(user_id=user.id, current_password=PASSWORD, new_password=NEW_PASSWORD), as_user=user)
    await world.ok(Login(username=user.username, password=NEW_PASSWORD), edge_itself=True)
    (row,) = world.store.audit_rows("user.change_password")
    assert row["old_values"] is None


async def test_a_wrong_current_password_is_refused(world: World):
    user = world.user()
    error = await world.refused(
        ChangePassword(user_id=user.id, current_password="wrong", new_password=NEW_PASSWORD),
        "VALIDATION_ERROR",
        as_user=user,
    )
    assert error["details"][0]["field"] == "current_password"


async def test_a_user_must_give_the_current_password(world: World):
    user = world.user()
    await world.refused(ChangePassword(user_id=user.id, new_password=NEW_PASSWORD), "VALIDATION_ERROR", as_user=user)


async def test_an_admin_sets_anyones_password_without_the_current_one(world: World, admin):
    user = world.user()
    await world.ok(ChangePassword(user_id=user.id, new_password=NEW_PASSWORD), as_user=admin)


async def test_a_user_may_not_change_anothers_password(world: World):
    user, other = world.user(), world.user()
    await world.refused(
        ChangePassword(user_id=other.id, current_password=PASSWORD, new_password=NEW_PASSWORD),
        "FORBIDDEN",
        as_user=user,
    )


async def test_a_password_change_ends_other_sessions_and_retires_mailed_links(world: World):
    user = world.user()
    kept = await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    kept_id = next(
        s.id
        for s in world.store.sessions.values()
        if s.created_at == min(s.created_at for s in world.store.sessions.values())
    )
    from usersvc.domain.commands import RequestPasswordReset

    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    await world.ok(
        ChangePassword(user_id=user.id, current_password=PASSWORD, new_password=NEW_PASSWORD, keep_session_id=kept_id),
        as_user=user,
    )
    assert {s.id for s in world.store.sessions.values() if s.revoked_at is None} == {kept_id}
    assert all(token.used_at is not None for token in world.store.account_tokens.values())
    assert kept["refresh_token"]


async def test_a_password_change_sent_again_answers_the_same_without_hashing_again(world: World):
    user = world.user()
    command = ChangePassword(user_id=user.id, current_password=PASSWORD, new_password=NEW_PASSWORD)
    first = await world.send(command, as_user=user, message_id="pw-1")
    stored_hash = world.stored(user).password_hash
    # The current password no longer matches: only the processed record can answer so.
    again = await world.send(command, as_user=user, message_id="pw-1")
    assert again == first and first["ok"]
    assert world.stored(user).password_hash == stored_hash


# --- races the transaction settles ------------------------------------------------------------


def password_changed_before_the_lock(world: World, user) -> None:
    """The next command's lock finds the password changed since its bcrypt check ran."""
    original = world.deps.units

    def racing(deps, envelope, *, idempotent):
        unit = original(deps, envelope, idempotent=idempotent)
        lock = unit.users.lock_with_actor_role

        async def lock_after_a_change(user_id, actor_id):
            world.stored(user).password_hash = world.deps.hasher.hash("Chang3d!elsewhere")
            return await lock(user_id, actor_id)

        unit.users.lock_with_actor_role = lock_after_a_change
        return unit

    object.__setattr__(world.deps, "units", racing)


async def test_an_own_email_change_is_refused_when_the_password_changed_since_it_was_checked(world: World):
    user = world.user()
    password_changed_before_the_lock(world, user)
    command = UpdateUser(user_id=user.id, email="new@example.com", current_password=PASSWORD)
    await world.refused(command, "REAUTHENTICATION_REQUIRED", as_user=user)
    assert world.stored(user).email == user.email


async def test_a_replace_is_refused_likewise(world: World):
    user = world.user()
    password_changed_before_the_lock(world, user)
    command = replace_body(user, email="new@example.com", current_password=PASSWORD)
    await world.refused(command, "REAUTHENTICATION_REQUIRED", as_user=user)


async def test_an_admins_email_change_needs_no_password_whatever_happened_meanwhile(world: World, admin):
    user = world.user()
    password_changed_before_the_lock(world, user)
    assert (await world.ok(UpdateUser(user_id=user.id, email="new@example.com"), as_user=admin))["email"] == (
        "new@example.com"
    )


async def test_setting_the_password_of_an_unknown_user_is_not_found(world: World, admin):
    await world.refused(
        ChangePassword(user_id=uuid.uuid4(), new_password=NEW_PASSWORD), "USER_NOT_FOUND", as_user=admin
    )


async def test_a_calling_service_deletes_users(world: World):
    user = world.user()
    await world.ok(DeleteUser(user_id=user.id), service="billing")
    assert world.stored(user).deleted_at is not None
