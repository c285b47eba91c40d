"""user.sessions_list, user.sessions_end, auth.notifications_get/update; how sessions end, and
the security mails (password, MFA, a sign-in from a new device and network)."""

import uuid
from datetime import timedelta

from tests.fast.world import PASSWORD, World
from usersvc.domain.commands import ChangePassword, CommandContext, Login, Logout, Refresh, UpdateUser
from usersvc.domain.session_commands import (
    EndUserSessions,
    GetNotificationSettings,
    ListUserSessions,
    UpdateNotificationSettings,
)

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


async def login(world: World, user, *, ip: str = "127.0.0.1", agent: str = "python-httpx") -> dict:
    context = CommandContext(ip=ip, user_agent=agent)
    return await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True, context=context)


def sessions_of(world: World, user) -> list:
    return [session for session in world.store.sessions.values() if session.user_id == user.id]


async def listed(world: World, user, **sender) -> dict[str, dict]:
    data = await world.ok(ListUserSessions(user_id=user.id), **sender)
    return {session["id"]: session for session in data["data"]}


async def test_an_admin_sees_how_each_session_ended_and_by_whom(world: World):
    admin, user = world.user("admin"), world.user()
    await login(world, user)
    (first,) = sessions_of(world, user)
    await world.ok(Logout(session_id=first.id), as_user=user)
    tokens = await login(world, user)
    await world.ok(Refresh(refresh_token=tokens["refresh_token"]), edge_itself=True)
    await world.refused(Refresh(refresh_token=tokens["refresh_token"]), "INVALID_TOKEN", edge_itself=True)
    await login(world, user)
    await world.ok(ChangePassword(user_id=user.id, new_password="N3w!passw0rd"), as_user=admin)
    sessions = await listed(world, user, as_user=admin)
    reasons = sorted((s["end_reason"], s["ended_by"]["id"] if s["ended_by"] else None) for s in sessions.values())
    assert reasons == [("logout", str(user.id)), ("password_change", str(admin.id)), ("refresh_reuse", None)]
    assert sessions[str(first.id)]["kind"] == "api" and sessions[str(first.id)]["ended_at"]


async def test_a_session_past_its_refresh_shows_as_expired(world: World):
    admin, user = world.user("admin"), world.user()
    await login(world, user)
    (session,) = sessions_of(world, user)
    session.expires_at = session.created_at + timedelta(seconds=-1)
    (shown,) = (await listed(world, user, as_user=admin)).values()
    assert (shown["end_reason"], shown["ended_by"]) == ("expired", None)
    await world.ok(UpdateUser(user_id=user.id, is_active=False), as_user=admin)
    assert sessions_of(world, user)[0].revoked_at is None  # already over: not revoked again


async def test_ending_all_revokes_every_live_session_as_revoked_by_the_actor(world: World):
    moderator, user = world.user("moderator"), world.user()
    await login(world, user)
    await login(world, user)
    await world.ok(EndUserSessions(user_id=user.id), as_user=moderator)
    assert {(s.end_reason, s.ended_by_id) for s in sessions_of(world, user)} == {("revoked", str(moderator.id))}
    assert all(world.cache.sessions[str(s.id)] is None for s in sessions_of(world, user))
    (row,) = world.store.audit_rows("user.sessions_end")
    assert row["new_values"] == {"sessions_ended": 2}
    await world.ok(EndUserSessions(user_id=user.id), service="billing")  # nothing left: fine


async def test_who_may_see_and_end_whose_sessions(world: World):
    admin, moderator, other_moderator, user = (
        world.user("admin"),
        world.user("moderator"),
        world.user("moderator"),
        world.user(),
    )
    for command in (ListUserSessions(user_id=user.id), EndUserSessions(user_id=user.id)):
        await world.refused(command, "FORBIDDEN", as_user=user)  # not even one's own: /v1/auth/sessions
    await world.refused(ListUserSessions(user_id=uuid.uuid4()), "FORBIDDEN", as_user=user)
    for staff in (admin, other_moderator):
        await world.refused(ListUserSessions(user_id=staff.id), "FORBIDDEN", as_user=moderator)
        await world.refused(EndUserSessions(user_id=staff.id), "FORBIDDEN", as_user=moderator)
    await world.refused(ListUserSessions(user_id=uuid.uuid4()), "USER_NOT_FOUND", as_user=moderator)
    await world.refused(EndUserSessions(user_id=uuid.uuid4()), "USER_NOT_FOUND", as_user=admin)
    await world.ok(ListUserSessions(user_id=other_moderator.id), as_user=admin)
    await world.ok(ListUserSessions(user_id=user.id), service="billing")


async def test_the_new_sign_in_switch_is_the_users_own(world: World):
    user, other = world.user(), world.user()
    assert await world.ok(GetNotificationSettings(user_id=user.id), as_user=user) == {"new_sign_in": True}
    off = await world.ok(UpdateNotificationSettings(user_id=user.id, new_sign_in=False), as_user=user)
    assert off == {"new_sign_in": False} and world.stored(user).notify_new_sign_in is False
    (row,) = world.store.audit_rows("user.notifications_update")
    assert (row["old_values"], row["new_values"]) == ({"new_sign_in": True}, {"new_sign_in": False})
    await world.refused(GetNotificationSettings(user_id=user.id), "FORBIDDEN", as_user=other)
    await world.refused(UpdateNotificationSettings(user_id=user.id, new_sign_in=True), "FORBIDDEN", as_user=other)
    assert await world.ok(GetNotificationSettings(user_id=user.id), service="billing") == {"new_sign_in": False}


async def test_a_sign_in_from_a_new_device_and_network_is_mailed_unless_turned_off(world: World):
    user = world.user()
    await login(world, user)  # the first: nothing to compare with
    await login(world, user, ip="127.0.0.9")  # the same /24, the same device
    assert world.mails("new_sign_in") == []
    await login(world, user, ip="198.51.100.7", agent=CHROME)
    (mail,) = world.mails("new_sign_in")
    assert mail["to"] == user.email
    assert (mail["values"]["device"], mail["values"]["ip_address"]) == ("Chrome on Windows", "198.51.100.7")
    await world.ok(UpdateNotificationSettings(user_id=user.id, new_sign_in=False), as_user=user)
    await login(world, user, ip="203.0.113.1", agent=CHROME)
    assert len(world.mails("new_sign_in")) == 1
    key = (user.id, "Chrome on Windows", "198.51.100.0/24")
    world.store.sign_ins[key] -= timedelta(days=31)  # not used for 31 days: new again
    await world.ok(UpdateNotificationSettings(user_id=user.id, new_sign_in=True), as_user=user)
    await login(world, user, ip="198.51.100.8", agent=CHROME)
    assert len(world.mails("new_sign_in")) == 2


async def test_a_changed_password_is_mailed(world: World):
    user = world.user()
    await world.ok(
        ChangePassword(user_id=user.id, current_password=PASSWORD, new_password="N3w!passw0rd"), as_user=user
    )
    (mail,) = world.mails("password_changed")
    assert mail["to"] == user.email and mail["values"]["username"] == user.username
