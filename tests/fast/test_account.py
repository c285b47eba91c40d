"""auth.register, auth.request_email_verification, auth.verify_email,
auth.request_password_reset, auth.reset_password."""

from datetime import UTC, datetime, timedelta

from tests.fast.world import PASSWORD, World, new_profile
from usersvc.domain.commands import (
    Login,
    Register,
    RequestEmailVerification,
    RequestPasswordReset,
    ResetPassword,
    UpdateUser,
    VerifyEmail,
)

NEW_PASSWORD = "N3w!passw0rd"
ACCEPTED = {"status": "verification_sent"}


def registration(**overrides) -> Register:
    return Register(**new_profile("jo_new", **{"email": "jo@example.com", **overrides}))


# --- auth.register ----------------------------------------------------------------------------


async def test_a_new_address_gets_an_unverified_user_and_a_verification_link(world: World):
    assert await world.ok(registration(), edge_itself=True) == ACCEPTED
    (user,) = [user for user in world.store.users.values() if user.email == "jo@example.com"]
    assert (user.role, user.email_verified) == ("user", False)
    (row,) = world.store.audit_rows("user.register")
    assert row["actor_id"] == str(user.id)  # the newcomer is the actor
    (mail,) = world.mails("verify_email")
    assert mail["to"] == "jo@example.com" and mail["values"]["link"].startswith(
        "https://users.example.com/verify-email?"
    )
    assert {e["type"] for e in world.events.published} >= {"user.created", "user.email_verification_requested"}


async def test_a_taken_address_answers_alike_and_mails_its_owner_instead(world: World):
    owner = world.user(email="jo@example.com")
    assert await world.ok(registration(), edge_itself=True) == ACCEPTED
    assert len(world.store.users) == 1
    (mail,) = world.mails()
    assert (mail["template"], mail["to"]) == ("account_exists", owner.email)
    assert "link" not in mail["values"]
    (row,) = world.store.audit_rows("user.register_taken_email")
    assert row["entity_id"] == str(owner.id)


async def test_the_owner_hears_of_attempts_at_most_once_a_minute(world: World):
    world.user(email="jo@example.com")
    await world.ok(registration(), edge_itself=True)
    await world.ok(registration(username="jo_again"), edge_itself=True)
    assert len(world.mails("account_exists")) == 1
    assert len(world.store.audit_rows("user.register_taken_email")) == 2


async def test_a_deactivated_accounts_address_is_sent_nothing(world: World):
    world.user(email="jo@example.com", is_active=False)
    assert await world.ok(registration(), edge_itself=True) == ACCEPTED
    assert world.mails() == []


async def test_a_taken_username_is_told_whatever_the_email(world: World):
    world.user(username="jo_new")
    await world.refused(registration(email="other@example.com"), "USERNAME_TAKEN", edge_itself=True)


async def test_registration_closed_is_not_found(world: World):
    closed = World(allow_registration=False)
    closed.store = world.store  # irrelevant: nothing is read
    await closed.refused(registration(), "NOT_FOUND", edge_itself=True)


async def test_a_lost_race_for_a_new_address_answers_as_for_a_taken_one(world: World):
    """The winner's row is met at insert (EMAIL_TAKEN there): the loser answers 202 alike."""
    original = world.deps.units

    def racing(deps, envelope, *, idempotent):
        unit = original(deps, envelope, idempotent=idempotent)
        holder_of = unit.users.holder_of

        async def not_yet(email):  # the check ran before the twin's insert
            found = await holder_of(email)
            if found is None:
                world.user(email=email)
            return None

        unit.users.holder_of = not_yet
        return unit

    object.__setattr__(world.deps, "units", racing)
    assert await world.ok(registration(), edge_itself=True) == ACCEPTED


# --- auth.request_email_verification and auth.verify_email ------------------------------------


async def test_a_user_asks_for_a_new_link_and_earlier_ones_stop_working(world: World):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    first = world.link_token("verify_email", user.email)
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    second = world.link_token("verify_email", user.email)
    await world.refused(VerifyEmail(token=first), "INVALID_TOKEN", edge_itself=True)
    await world.ok(VerifyEmail(token=second), edge_itself=True)
    assert world.stored(user).email_verified is True


async def test_a_verified_address_is_sent_nothing(world: World):
    user = world.user(email_verified=True)
    assert await world.ok(RequestEmailVerification(user_id=user.id), as_user=user) is None
    assert world.mails() == []


async def test_a_user_may_not_ask_for_anothers_link(world: World):
    user, other = world.user(), world.user()
    await world.refused(RequestEmailVerification(user_id=other.id), "FORBIDDEN", as_user=user)


async def test_a_service_asks_for_anyones_link(world: World):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), service="billing")
    assert world.mails("verify_email")[0]["to"] == user.email


async def test_verifying_records_it_and_updates_the_cache(world: World):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    await world.ok(VerifyEmail(token=world.link_token("verify_email", user.email)), edge_itself=True)
    (row,) = world.store.audit_rows("user.verify_email")
    assert row["actor_id"] == str(user.id) and row["new_values"]["email_verified"] is True
    assert world.cache.users[str(user.id)]["email_verified"] is True


async def test_a_verification_link_works_once(world: World):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    token = world.link_token("verify_email", user.email)
    await world.ok(VerifyEmail(token=token), edge_itself=True)
    await world.refused(VerifyEmail(token=token), "INVALID_TOKEN", edge_itself=True)


async def test_a_link_to_an_address_since_left_is_stale(world: World, admin):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    token = world.link_token("verify_email", user.email)
    await world.ok(UpdateUser(user_id=user.id, email="moved@example.com"), as_user=admin)
    await world.refused(VerifyEmail(token=token), "INVALID_TOKEN", edge_itself=True)


async def test_an_expired_link_is_invalid(world: World):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    token = world.link_token("verify_email", user.email)
    world.account_token_row(token).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await world.refused(VerifyEmail(token=token), "INVALID_TOKEN", edge_itself=True)


async def test_an_unknown_link_is_invalid(world: World):
    await world.refused(VerifyEmail(token="made-up"), "INVALID_TOKEN", edge_itself=True)


async def test_a_reset_link_does_not_verify_an_email(world: World):
    user = world.user()
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    await world.refused(
        VerifyEmail(token=world.link_token("reset_password", user.email)), "INVALID_TOKEN", edge_itself=True
    )


# --- auth.request_password_reset and auth.reset_password --------------------------------------


async def test_a_reset_request_mails_an_active_user_a_link(world: World):
    user = world.user()
    assert await world.ok(RequestPasswordReset(email=user.email), edge_itself=True) is None
    (mail,) = world.mails("reset_password")
    assert mail["to"] == user.email and mail["values"]["expires"] == "30 minutes"
    assert world.store.audit_rows("user.request_password_reset")


async def test_a_reset_request_for_an_unknown_address_answers_alike_and_sends_nothing(world: World):
    assert await world.ok(RequestPasswordReset(email="nobody@example.com"), edge_itself=True) is None
    assert world.mails() == [] and world.store.audit == []


async def test_a_deactivated_user_is_sent_no_reset_link(world: World):
    user = world.user(is_active=False)
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    assert world.mails() == []


async def test_reset_mails_go_at_most_once_a_minute_per_account(world: World):
    user = world.user()
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    assert len(world.mails("reset_password")) == 1


async def test_a_reset_sets_the_password_ends_every_session_and_verifies_the_address(world: World):
    user = world.user()
    await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    token = world.link_token("reset_password", user.email)
    reply = await world.ok(ResetPassword(token=token, new_password=NEW_PASSWORD), edge_itself=True)
    assert reply["user"]["id"] == str(user.id) and reply["user"]["email_verified"] is True
    assert all(session.revoked_at for session in world.store.sessions.values())
    await world.ok(Login(username=user.username, password=NEW_PASSWORD), edge_itself=True)
    (row,) = world.store.audit_rows("user.reset_password")
    assert row["new_values"] == {"email_verified": True}


async def test_a_reset_link_works_once(world: World):
    user = world.user()
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    token = world.link_token("reset_password", user.email)
    await world.ok(ResetPassword(token=token, new_password=NEW_PASSWORD), edge_itself=True)
    await world.refused(ResetPassword(token=token, new_password=NEW_PASSWORD), "INVALID_TOKEN", edge_itself=True)


async def test_a_weak_new_password_is_refused_before_any_worker_sees_it(world: World):
    from pydantic import ValidationError

    try:
        ResetPassword(token="x", new_password="short")
    except ValidationError:
        return
    raise AssertionError("the policy let a weak password through")


async def test_a_reset_of_a_user_deactivated_since_the_mail_is_invalid(world: World):
    user = world.user()
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    token = world.link_token("reset_password", user.email)
    world.stored(user).is_active = False
    await world.refused(ResetPassword(token=token, new_password=NEW_PASSWORD), "INVALID_TOKEN", edge_itself=True)
    assert world.account_token_row(token).used_at is None  # rolled back with the refusal


async def test_a_reset_turns_off_mfa_enrolled_by_whoever_squatted_an_unverified_address(world: World):
    user = world.user(mfa_enabled=True, email_ever_verified=False)
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    token = world.link_token("reset_password", user.email)
    await world.ok(ResetPassword(token=token, new_password=NEW_PASSWORD), edge_itself=True)
    assert world.stored(user).mfa_enabled is False
    assert world.store.audit_rows("user.mfa_disable_on_reset")


async def test_a_reset_keeps_mfa_of_an_owner_who_proved_the_address(world: World):
    user = world.user(mfa_enabled=True, email_ever_verified=True, email_verified=True)
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    token = world.link_token("reset_password", user.email)
    await world.ok(ResetPassword(token=token, new_password=NEW_PASSWORD), edge_itself=True)
    assert world.stored(user).mfa_enabled is True
    (row,) = world.store.audit_rows("user.reset_password")
    assert row["new_values"] is None  # nothing to verify: it was


async def test_a_password_change_retires_reset_links(world: World, admin):
    from usersvc.domain.commands import ChangePassword

    user = world.user()
    await world.ok(RequestPasswordReset(email=user.email), edge_itself=True)
    token = world.link_token("reset_password", user.email)
    await world.ok(ChangePassword(user_id=user.id, new_password=NEW_PASSWORD), as_user=admin)
    await world.refused(ResetPassword(token=token, new_password="An0ther!pass"), "INVALID_TOKEN", edge_itself=True)


async def test_verifying_an_address_verified_meanwhile_spends_the_link_and_records_nothing(world: World):
    user = world.user()
    await world.ok(RequestEmailVerification(user_id=user.id), as_user=user)
    token = world.link_token("verify_email", user.email)
    world.stored(user).email_verified = True
    await world.ok(VerifyEmail(token=token), edge_itself=True)
    assert world.store.audit_rows("user.verify_email") == []
    assert world.account_token_row(token).used_at is not None
