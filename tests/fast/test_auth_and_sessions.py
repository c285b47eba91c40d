"""auth.login, auth.refresh, auth.logout, session.revoke, session.list, session.check."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from passlib.hash import pbkdf2_sha256

from tests.fast.world import PASSWORD, World
from usersvc.domain.commands import (
    CheckSession,
    ListSessions,
    ListSessionsOfUsers,
    Login,
    Logout,
    Refresh,
    RevokeSession,
)
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.passwords import CURRENT_SCHEME


async def login(world: World, user, password: str = PASSWORD, **kwargs) -> dict:
    return await world.ok(Login(username=user.username, password=password, **kwargs), edge_itself=True)


def session_of(world: World, tokens: dict):
    digest = opaque_token_digest(tokens["refresh_token"])
    return next(s for s in world.store.sessions.values() if s.refresh_token_hash == digest)


# --- auth.login -------------------------------------------------------------------------------


async def test_a_login_opens_a_session_with_tokens_of_the_current_key(world: World):
    user = world.user()
    tokens = await login(world, user)
    assert tokens["token_type"] == "Bearer" and tokens["user"]["id"] == str(user.id)
    (key,) = [key for key in world.store.signing_keys.values() if key.algorithm != "RS256"]
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key.kid
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(user.id) and claims["role"] == "user"
    session = session_of(world, tokens)
    assert world.cache.sessions[str(session.id)] == {"user_id": str(user.id), "role": "user"}


async def test_a_login_records_the_time_the_audit_row_and_the_event(world: World):
    user = world.user()
    tokens = await login(world, user)
    assert world.stored(user).last_login_at is not None
    (row,) = world.store.audit_rows("auth.login")
    assert row["actor_id"] == str(user.id) and row["new_values"]["session_id"] == str(session_of(world, tokens).id)
    assert [event["type"] for event in world.events.published] == ["session.created"]


async def test_a_login_by_email_works_too(world: World):
    user = world.user()
    await world.ok(Login(email=user.email, password=PASSWORD), edge_itself=True)


async def test_a_login_by_username_ignores_case(world: World):
    world.user(username="Mixed_Case")
    await world.ok(Login(username="mixed_case", password=PASSWORD), edge_itself=True)


async def test_a_wrong_password_is_invalid_credentials_opens_nothing_and_is_audited(world: World):
    user = world.user()
    await world.refused(Login(username=user.username, password="wrong"), "INVALID_CREDENTIALS", edge_itself=True)
    assert world.store.sessions == {}
    (failed,) = world.store.audit_rows()
    assert (failed["action"], failed["entity_id"]) == ("auth.login_failed", str(user.id))
    assert world.store.users[user.id].last_login_at is None


@pytest.mark.parametrize("state", ["unknown", "inactive", "deleted"])
async def test_a_failed_login_names_no_account_unless_it_could_sign_in(world: World, state):
    """One audit row each way (the same write: no timing oracle); only a live account's id."""
    user = world.user(is_active=state != "inactive")
    if state == "deleted":
        user.deleted_at = user.created_at
    name = "nobody_here" if state == "unknown" else user.username
    await world.refused(Login(username=name, password=PASSWORD), "INVALID_CREDENTIALS", edge_itself=True)
    assert [(row["action"], row["entity_id"]) for row in world.store.audit_rows()] == [("auth.login_failed", "")]


@pytest.mark.parametrize("state", ["unknown", "inactive", "deleted"])
async def test_unknown_inactive_and_deleted_accounts_answer_alike(world: World, state):
    user = world.user(is_active=state != "inactive")
    if state == "deleted":
        user.deleted_at = user.created_at
    name = "nobody_here" if state == "unknown" else user.username
    await world.refused(Login(username=name, password=PASSWORD), "INVALID_CREDENTIALS", edge_itself=True)


async def test_a_held_back_account_answers_rate_limited_before_the_password_is_checked(world: World):
    user = world.user()
    world.cache.login_holds[str(user.id)] = 5000
    error = await world.refused(Login(username=user.username, password=PASSWORD), "RATE_LIMITED", edge_itself=True)
    assert "retry later" in error["message"]


async def test_a_login_is_never_recorded_for_deduplication(world: World):
    user = world.user()
    first = await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True, message_id="l-1")
    second = await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True, message_id="l-1")
    assert first["refresh_token"] != second["refresh_token"] and world.store.processed == {}


async def test_an_imported_pbkdf2_hash_is_upgraded_to_bcrypt_at_the_first_login(world: World):
    user = world.user(password_hash=pbkdf2_sha256.using(rounds=1000).hash(PASSWORD))
    await login(world, user)
    assert world.deps.hasher.scheme_of(world.stored(user).password_hash) == CURRENT_SCHEME
    (row,) = world.store.audit_rows("auth.password_rehash")
    assert row["old_values"] == {"password_scheme": "pbkdf2_sha256"}
    assert row["new_values"] == {"password_scheme": CURRENT_SCHEME}
    await login(world, user)  # and the new hash logs in
    assert len(world.store.audit_rows("auth.password_rehash")) == 1


async def test_with_mfa_on_a_login_earns_a_challenge_not_a_session(world: World):
    user = world.user(mfa_enabled=True)
    reply = await login(world, user)
    assert reply["mfa_required"] is True and reply["mfa_token"]
    assert world.store.sessions == {} and len(world.store.challenges) == 1
    assert world.stored(user).last_login_at is None


async def test_the_context_of_a_login_is_audited_from_the_edge_only(world: World):
    from usersvc.domain.commands import CommandContext

    user = world.user()
    context = CommandContext(ip="203.0.113.9", user_agent="curl", request_id="req-1")
    await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True, context=context)
    (row,) = world.store.audit_rows("auth.login")
    assert (row["ip_address"], row["user_agent"], row["request_id"]) == ("203.0.113.9", "curl", "req-1")


# --- auth.refresh -----------------------------------------------------------------------------


async def test_a_refresh_spends_the_token_for_a_new_pair(world: World):
    user = world.user()
    tokens = await login(world, user)
    new = await world.ok(Refresh(refresh_token=tokens["refresh_token"]), edge_itself=True)
    assert new["refresh_token"] != tokens["refresh_token"]
    assert opaque_token_digest(tokens["refresh_token"]) in world.store.spent_tokens
    await world.ok(Refresh(refresh_token=new["refresh_token"]), edge_itself=True)


async def test_a_spent_refresh_token_presented_again_revokes_its_session_and_that_commits(world: World):
    user = world.user()
    tokens = await login(world, user)
    new = await world.ok(Refresh(refresh_token=tokens["refresh_token"]), edge_itself=True)
    error = await world.refused(Refresh(refresh_token=tokens["refresh_token"]), "INVALID_TOKEN", edge_itself=True)
    assert "already used" in error["message"]
    session = session_of(world, new)
    assert session.revoked_at is not None  # committed though the reply refuses
    (row,) = world.store.audit_rows("session.revoke")
    assert row["actor_id"] == str(user.id)
    assert world.cache.sessions[str(session.id)] is None
    await world.refused(Refresh(refresh_token=new["refresh_token"]), "INVALID_TOKEN", edge_itself=True)


async def test_an_unknown_refresh_token_is_invalid(world: World):
    await world.refused(Refresh(refresh_token="not-a-token"), "INVALID_TOKEN", edge_itself=True)


async def test_a_refresh_of_a_revoked_session_is_invalid(world: World):
    user = world.user()
    tokens = await login(world, user)
    await world.ok(Logout(session_id=session_of(world, tokens).id), as_user=user)
    await world.refused(Refresh(refresh_token=tokens["refresh_token"]), "INVALID_TOKEN", edge_itself=True)


async def test_a_refresh_for_a_deactivated_user_is_invalid(world: World):
    user = world.user()
    tokens = await login(world, user)
    world.stored(user).is_active = False
    await world.refused(Refresh(refresh_token=tokens["refresh_token"]), "INVALID_TOKEN", edge_itself=True)


async def test_an_expired_refresh_token_is_token_expired(world: World):
    user = world.user()
    tokens = await login(world, user)
    session_of(world, tokens).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await world.refused(Refresh(refresh_token=tokens["refresh_token"]), "TOKEN_EXPIRED", edge_itself=True)


async def test_a_session_past_its_maximum_age_cannot_be_refreshed(world: World):
    user = world.user()
    tokens = await login(world, user)
    session = session_of(world, tokens)
    session.created_at = datetime.now(UTC) - timedelta(days=world.settings.session_max_age_days, seconds=1)
    error = await world.refused(Refresh(refresh_token=tokens["refresh_token"]), "INVALID_TOKEN", edge_itself=True)
    assert "maximum age" in error["message"]


async def test_a_refresh_carries_the_users_current_role(world: World):
    user = world.user()
    tokens = await login(world, user)
    world.stored(user).role = "moderator"
    new = await world.ok(Refresh(refresh_token=tokens["refresh_token"]), edge_itself=True)
    assert jwt.decode(new["access_token"], options={"verify_signature": False})["role"] == "moderator"


async def test_without_a_signing_key_a_login_is_service_unavailable(world: World):
    user = world.user()
    world.store.signing_keys.clear()
    await world.refused(Login(username=user.username, password=PASSWORD), "SERVICE_UNAVAILABLE", edge_itself=True)
    assert world.store.sessions == {}


# --- auth.logout and session.revoke -----------------------------------------------------------


async def test_a_logout_ends_the_session_with_its_audit_row_event_and_tombstone(world: World):
    user = world.user()
    tokens = await login(world, user)
    session = session_of(world, tokens)
    assert await world.ok(Logout(session_id=session.id), as_user=user) is None
    assert session.revoked_at is not None
    assert world.cache.sessions[str(session.id)] is None
    assert world.events.published[-1]["type"] == "session.revoked"


async def test_a_user_may_not_end_someone_elses_session_and_learns_nothing(world: World):
    owner, stranger = world.user(), world.user()
    session = session_of(world, await login(world, owner))
    await world.refused(RevokeSession(session_id=session.id), "NOT_FOUND", as_user=stranger)
    await world.refused(RevokeSession(session_id=uuid.uuid4()), "NOT_FOUND", as_user=stranger)
    assert session.revoked_at is None


async def test_an_admin_ends_anyones_session(world: World, admin):
    owner = world.user()
    session = session_of(world, await login(world, owner))
    await world.ok(RevokeSession(session_id=session.id), as_user=admin)
    assert session.revoked_at is not None


async def test_a_session_ended_twice_is_not_found_the_second_time(world: World):
    user = world.user()
    session = session_of(world, await login(world, user))
    await world.ok(Logout(session_id=session.id), as_user=user)
    await world.refused(Logout(session_id=session.id), "NOT_FOUND", as_user=user)


async def test_a_logout_delivered_again_answers_as_the_first(world: World):
    user = world.user()
    session = session_of(world, await login(world, user))
    first = await world.send(Logout(session_id=session.id), as_user=user, message_id="out-1")
    again = await world.send(Logout(session_id=session.id), as_user=user, message_id="out-1")
    assert first == again == {"ok": True, "data": None}


# --- session.list and session.check -----------------------------------------------------------


async def test_a_user_lists_their_active_sessions_newest_first_marking_the_current(world: World):
    user = world.user()
    first = session_of(world, await login(world, user))
    second = session_of(world, await login(world, user))
    world.store.sessions[first.id].created_at -= timedelta(minutes=1)
    listed = await world.ok(ListSessions(current_session_id=first.id), as_user=user)
    assert [row["id"] for row in listed["data"]] == [str(second.id), str(first.id)]
    assert [row["current"] for row in listed["data"]] == [False, True]


async def test_revoked_and_expired_sessions_are_not_listed(world: World):
    user = world.user()
    ended = session_of(world, await login(world, user))
    expired = session_of(world, await login(world, user))
    await world.ok(Logout(session_id=ended.id), as_user=user)
    expired.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert (await world.ok(ListSessions(), as_user=user))["data"] == []


async def test_a_service_has_no_sessions_to_list(world: World):
    assert (await world.ok(ListSessions(), service="billing"))["data"] == []


async def test_the_sessions_of_many_users_come_in_one_command_for_admins(world: World):
    admin, user, other = world.user("admin"), world.user(), world.user()
    first = session_of(world, await login(world, user))
    await login(world, other)
    await world.ok(Logout(session_id=session_of(world, await login(world, other)).id), as_user=other)
    listed = await world.ok(ListSessionsOfUsers(user_ids=[user.id, other.id, admin.id]), as_user=admin)
    assert [row["id"] for row in listed["data"][str(user.id)]] == [str(first.id)]
    assert len(listed["data"][str(other.id)]) == 1 and listed["data"][str(admin.id)] == []
    assert (await world.ok(ListSessionsOfUsers(user_ids=[user.id]), as_user=user))["data"][str(user.id)]
    await world.refused(ListSessionsOfUsers(user_ids=[user.id, other.id]), "FORBIDDEN", as_user=user)
    await world.refused(ListSessionsOfUsers(user_ids=[user.id]), "FORBIDDEN", as_user=world.user("moderator"))


async def test_a_session_check_answers_its_user_and_current_role_and_fills_the_cache(world: World):
    user = world.user("moderator")
    session = session_of(world, await login(world, user))
    world.cache.sessions.clear()
    entry = await world.ok(CheckSession(session_id=session.id), as_user=user)
    assert entry == {"user_id": str(user.id), "role": "moderator"}
    assert world.cache.sessions[str(session.id)] == entry


async def test_a_session_check_of_another_users_session_is_invalid(world: World):
    owner, other = world.user(), world.user()
    session = session_of(world, await login(world, owner))
    await world.refused(CheckSession(session_id=session.id), "INVALID_TOKEN", as_user=other)


async def test_a_session_check_of_an_ended_session_caches_its_tombstone(world: World):
    user = world.user()
    session = session_of(world, await login(world, user))
    world.store.sessions[session.id].revoked_at = datetime.now(UTC)
    world.cache.sessions.clear()
    await world.refused(CheckSession(session_id=session.id), "INVALID_TOKEN", as_user=user)
    assert world.cache.sessions[str(session.id)] is None
