"""auth.mfa_totp_enrol, auth.mfa_totp_confirm, auth.mfa_totp_disable, user.mfa_disable,
auth.mfa_verify."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from tests.fast.world import PASSWORD, World
from usersvc.domain.commands import ConfirmTotp, DisableTotp, EnrolTotp, Login, ResetMfa, VerifyMfa
from usersvc.domain.mfa_challenge import MAX_WRONG_CODES


def verified_user(world: World, role: str = "user"):
    return world.user(role, email_verified=True, email_ever_verified=True)


def code_after(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps))


async def enrolled(world: World, user) -> tuple[str, list[str]]:
    """MFA on for `user`: its secret and recovery codes."""
    secret = (await world.ok(EnrolTotp(user_id=user.id, password=PASSWORD), as_user=user))["secret"]
    codes = (await world.ok(ConfirmTotp(user_id=user.id, code=code_after(secret)), as_user=user))["recovery_codes"]
    return secret, codes


async def challenge(world: World, user) -> str:
    reply = await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    return reply["mfa_token"]


# --- enrolment and confirmation ---------------------------------------------------------------


async def test_enrolment_hands_the_owner_a_secret_and_its_uri_and_keeps_it_sealed(world: World):
    user = verified_user(world)
    reply = await world.ok(EnrolTotp(user_id=user.id, password=PASSWORD), as_user=user)
    assert reply["otpauth_uri"].startswith("otpauth://totp/")
    stored = world.store.totps[user.id]
    assert reply["secret"] not in stored.secret_sealed and stored.confirmed_at is None
    assert world.store.audit_rows("auth.mfa_enrol")[0]["new_values"] == {"mfa": "pending"}


async def test_enrolment_needs_the_password(world: World):
    user = verified_user(world)
    error = await world.refused(EnrolTotp(user_id=user.id, password="wrong"), "VALIDATION_ERROR", as_user=user)
    assert error["details"][0]["field"] == "password"


async def test_enrolment_needs_a_proven_address(world: World):
    user = world.user()
    await world.refused(EnrolTotp(user_id=user.id, password=PASSWORD), "EMAIL_NOT_VERIFIED", as_user=user)


async def test_only_the_owner_enrols(world: World, admin):
    user = verified_user(world)
    await world.refused(EnrolTotp(user_id=user.id, password=PASSWORD), "FORBIDDEN", as_user=admin)


async def test_a_new_enrolment_replaces_a_pending_one(world: World):
    user = verified_user(world)
    first = (await world.ok(EnrolTotp(user_id=user.id, password=PASSWORD), as_user=user))["secret"]
    second = (await world.ok(EnrolTotp(user_id=user.id, password=PASSWORD), as_user=user))["secret"]
    assert first != second and len(world.store.totps) == 1
    await world.refused(ConfirmTotp(user_id=user.id, code=code_after(first, 5)), "VALIDATION_ERROR", as_user=user)


async def test_enrolling_again_while_mfa_is_on_is_refused(world: World):
    user = verified_user(world)
    await enrolled(world, user)
    await world.refused(EnrolTotp(user_id=user.id, password=PASSWORD), "VALIDATION_ERROR", as_user=user)


async def test_confirming_turns_mfa_on_with_ten_recovery_codes_and_ends_other_sessions(world: World):
    user = verified_user(world)
    await world.ok(Login(username=user.username, password=PASSWORD), edge_itself=True)
    _, codes = await enrolled(world, user)
    assert len(codes) == 10 and len(world.store.recovery_codes) == 10
    assert world.stored(user).mfa_enabled is True
    assert all(session.revoked_at for session in world.store.sessions.values())
    assert world.cache.users[str(user.id)]["mfa_enabled"] is True
    assert not any(code in str(row.code_digest) for row in world.store.recovery_codes.values() for code in codes)


async def test_confirming_with_a_wrong_code_is_refused(world: World):
    user = verified_user(world)
    await world.ok(EnrolTotp(user_id=user.id, password=PASSWORD), as_user=user)
    await world.refused(ConfirmTotp(user_id=user.id, code="000000"), "VALIDATION_ERROR", as_user=user)
    assert world.stored(user).mfa_enabled is False


async def test_confirming_without_an_enrolment_is_refused(world: World):
    user = verified_user(world)
    await world.refused(ConfirmTotp(user_id=user.id, code="123456"), "VALIDATION_ERROR", as_user=user)


async def test_mfa_replies_are_never_recorded_for_deduplication(world: World):
    user = verified_user(world)
    await enrolled(world, user)
    assert world.store.processed == {}


# --- the second login step --------------------------------------------------------------------


async def test_a_current_code_completes_the_login(world: World):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    token = await challenge(world, user)
    reply = await world.ok(VerifyMfa(mfa_token=token, code=code_after(secret, 1)), edge_itself=True)
    assert reply["access_token"] and reply["user"]["id"] == str(user.id)
    (row,) = world.store.audit_rows("auth.login")
    assert row["new_values"]["second_factor"] == "totp"


async def test_a_code_is_accepted_once(world: World):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    code = code_after(secret, 1)
    await world.ok(VerifyMfa(mfa_token=await challenge(world, user), code=code), edge_itself=True)
    await world.refused(
        VerifyMfa(mfa_token=await challenge(world, user), code=code), "INVALID_CREDENTIALS", edge_itself=True
    )


async def test_a_recovery_code_works_once(world: World):
    user = verified_user(world)
    _, codes = await enrolled(world, user)
    reply = await world.ok(VerifyMfa(mfa_token=await challenge(world, user), code=codes[0]), edge_itself=True)
    assert reply["access_token"]
    await world.refused(
        VerifyMfa(mfa_token=await challenge(world, user), code=codes[0]), "INVALID_CREDENTIALS", edge_itself=True
    )


async def test_a_wrong_code_is_counted_and_audited_though_refused(world: World):
    user = verified_user(world)
    await enrolled(world, user)
    token = await challenge(world, user)
    await world.refused(VerifyMfa(mfa_token=token, code="000000"), "INVALID_CREDENTIALS", edge_itself=True)
    (stored,) = world.store.challenges.values()
    assert stored.wrong_codes == 1 and stored.spent_at is None  # committed with the refusal
    (row,) = world.store.audit_rows("auth.mfa_wrong_code")
    assert row["new_values"]["wrong_codes"] == 1


async def test_too_many_wrong_codes_spend_the_challenge(world: World):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    token = await challenge(world, user)
    for _ in range(MAX_WRONG_CODES):
        await world.refused(VerifyMfa(mfa_token=token, code="000000"), "INVALID_CREDENTIALS", edge_itself=True)
    await world.refused(VerifyMfa(mfa_token=token, code=code_after(secret, 1)), "INVALID_TOKEN", edge_itself=True)


async def test_an_unknown_or_expired_challenge_is_invalid(world: World):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    await world.refused(VerifyMfa(mfa_token="made-up", code="123456"), "INVALID_TOKEN", edge_itself=True)
    token = await challenge(world, user)
    (stored,) = world.store.challenges.values()
    stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await world.refused(VerifyMfa(mfa_token=token, code=code_after(secret, 1)), "INVALID_TOKEN", edge_itself=True)


async def test_a_user_deactivated_after_the_password_step_is_refused_and_the_challenge_spent(world: World):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    token = await challenge(world, user)
    world.stored(user).is_active = False
    await world.refused(VerifyMfa(mfa_token=token, code=code_after(secret, 1)), "INVALID_CREDENTIALS", edge_itself=True)
    (stored,) = world.store.challenges.values()
    assert stored.spent_at is not None


# --- turning MFA off --------------------------------------------------------------------------


async def test_the_owner_turns_mfa_off_with_password_and_code(world: World):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    await world.ok(DisableTotp(user_id=user.id, password=PASSWORD, code=code_after(secret, 1)), as_user=user)
    assert world.stored(user).mfa_enabled is False
    assert world.store.totps == {} and world.store.recovery_codes == {}


async def test_turning_mfa_off_with_a_recovery_code(world: World):
    user = verified_user(world)
    _, codes = await enrolled(world, user)
    await world.ok(DisableTotp(user_id=user.id, password=PASSWORD, code=codes[3]), as_user=user)


@pytest.mark.parametrize("password,code", [("wrong", None), (PASSWORD, "000000")])
async def test_turning_mfa_off_needs_both_factors(world: World, password, code):
    user = verified_user(world)
    secret, _ = await enrolled(world, user)
    command = DisableTotp(user_id=user.id, password=password, code=code or code_after(secret, 1))
    await world.refused(command, "VALIDATION_ERROR", as_user=user)
    assert world.stored(user).mfa_enabled is True


async def test_turning_mfa_off_when_it_is_off_is_refused(world: World):
    user = verified_user(world)
    await world.refused(
        DisableTotp(user_id=user.id, password=PASSWORD, code="123456"), "VALIDATION_ERROR", as_user=user
    )


async def test_an_admin_resets_a_users_mfa(world: World, admin):
    user = verified_user(world)
    await enrolled(world, user)
    await world.ok(ResetMfa(user_id=user.id), as_user=admin)
    assert world.stored(user).mfa_enabled is False
    (row,) = world.store.audit_rows("user.mfa_disable")
    assert row["actor_id"] == str(admin.id)


async def test_an_admin_reset_clears_a_pending_enrolment_too(world: World, admin):
    user = verified_user(world)
    await world.ok(EnrolTotp(user_id=user.id, password=PASSWORD), as_user=user)
    await world.ok(ResetMfa(user_id=user.id), as_user=admin)
    assert world.store.totps == {}
    assert world.store.audit_rows("user.mfa_disable")[0]["old_values"] == {"mfa": "pending"}


async def test_a_reset_with_nothing_to_reset_records_nothing(world: World, admin):
    user = verified_user(world)
    await world.ok(ResetMfa(user_id=user.id), as_user=admin)
    assert world.store.audit == []


@pytest.mark.parametrize("role", ["user", "moderator"])
async def test_only_admins_reset_mfa(world: World, role):
    actor, user = world.user(role), verified_user(world)
    await world.refused(ResetMfa(user_id=user.id), "FORBIDDEN", as_user=actor)


async def test_an_admin_may_not_reset_their_own_mfa(world: World):
    admin = verified_user(world, "admin")
    await world.refused(ResetMfa(user_id=admin.id), "FORBIDDEN", as_user=admin)
