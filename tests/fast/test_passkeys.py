"""auth.passkey_registration_options, auth.passkey_register, auth.passkey_list,
auth.passkey_rename, auth.passkey_delete, user.passkeys_remove,
auth.passkey_authentication_options, auth.passkey_authenticate — with a software
authenticator (tests/passkey_authenticator.py)."""

import jwt

from tests.fast.test_mfa import challenge, enrolled
from tests.fast.world import PASSWORD, World
from tests.passkey_authenticator import SoftAuthenticator
from usersvc.domain.passkey_commands import (
    AuthenticateWithPasskey,
    DeletePasskey,
    ListPasskeys,
    RegisterPasskey,
    RemoveUserPasskeys,
    RenamePasskey,
    StartPasskeyAuthentication,
    StartPasskeyRegistration,
)

ORIGIN = "https://users.example.com"  # the fast world's PUBLIC_URL: its host is the RP id


def device(**options) -> SoftAuthenticator:
    return SoftAuthenticator(ORIGIN, rp_id="users.example.com", **options)


async def registered(world: World, user, name: str = "Laptop", **options) -> tuple[SoftAuthenticator, dict]:
    authenticator = device(**options)
    made = await world.ok(StartPasskeyRegistration(user_id=user.id, password=PASSWORD), as_user=user)
    credential = authenticator.create(made)
    return authenticator, await world.ok(
        RegisterPasskey(user_id=user.id, credential=credential, name=name), as_user=user
    )


async def request_options(world: World, **fields) -> dict:
    return await world.ok(StartPasskeyAuthentication(**fields), edge_itself=True)


def amr(reply: dict) -> list[str]:
    return jwt.decode(reply["access_token"], options={"verify_signature": False})["amr"]


async def test_registration_needs_the_password_and_keeps_only_a_digest_of_the_challenge(world: World):
    user = world.user()
    wrong = StartPasskeyRegistration(user_id=user.id, password="Wrong!pass1")
    await world.refused(wrong, "REAUTHENTICATION_REQUIRED", as_user=user)
    options = await world.ok(StartPasskeyRegistration(user_id=user.id, password=PASSWORD), as_user=user)
    assert options["rp"]["id"] == "users.example.com"
    (row,) = world.store.webauthn_challenges.values()
    assert options["challenge"] not in row.challenge_digest and row.user_id == user.id


async def test_register_list_rename_delete(world: World):
    user = world.user()
    _, passkey = await registered(world, user)
    assert world.mails("passkey_added")[0]["values"] == {"username": user.username, "passkey_name": "Laptop"}
    listed = await world.ok(ListPasskeys(user_id=user.id), as_user=user)
    assert listed["data"] == [passkey]
    renamed = await world.ok(RenamePasskey(user_id=user.id, passkey_id=passkey["id"], name="Old"), as_user=user)
    assert renamed["name"] == "Old"
    assert world.store.audit_rows("auth.passkey_rename")[0]["new_values"]["name"] == "Old"
    gone = DeletePasskey(user_id=user.id, passkey_id=passkey["id"], password="Wrong!pass1")
    await world.refused(gone, "REAUTHENTICATION_REQUIRED", as_user=user)
    await world.ok(DeletePasskey(user_id=user.id, passkey_id=passkey["id"], password=PASSWORD), as_user=user)
    assert world.store.passkeys == {} and world.mails("passkey_removed")


async def test_only_the_owner_sees_or_changes_their_passkeys(world: World, admin):
    user = world.user()
    _, passkey = await registered(world, user)
    await world.refused(ListPasskeys(user_id=user.id), "FORBIDDEN", as_user=admin)
    other = world.user()
    await world.refused(RenamePasskey(user_id=other.id, passkey_id=passkey["id"], name="x"), "NOT_FOUND", as_user=other)


async def test_an_admin_removes_all_of_a_users_passkeys_not_their_own(world: World, admin):
    user = world.user()
    await registered(world, user, "A")
    await registered(world, user, "B")
    await world.refused(RemoveUserPasskeys(user_id=admin.id), "FORBIDDEN", as_user=admin)
    await world.refused(RemoveUserPasskeys(user_id=user.id), "FORBIDDEN", as_user=user)
    await world.ok(RemoveUserPasskeys(user_id=user.id), as_user=admin)
    assert world.store.passkeys == {}
    (row,) = world.store.audit_rows("user.passkeys_remove")
    assert [entry["name"] for entry in row["old_values"]["passkeys"]] == ["A", "B"]


async def test_a_passkey_alone_signs_in_with_hwk_and_its_challenge_is_single_use(world: World):
    user = world.user()
    authenticator, _ = await registered(world, user)
    options = await request_options(world)
    assertion = authenticator.get(options)
    reply = await world.ok(AuthenticateWithPasskey(credential=assertion), edge_itself=True)
    assert reply["user"]["id"] == str(user.id) and amr(reply) == ["hwk"]
    await world.refused(AuthenticateWithPasskey(credential=assertion), "INVALID_CREDENTIALS", edge_itself=True)


async def test_a_synced_passkey_signs_in_with_swk(world: World):
    user = world.user()
    authenticator, passkey = await registered(world, user, synced=True)
    assert passkey["backed_up"] is True
    reply = await world.ok(AuthenticateWithPasskey(credential=authenticator.get(await request_options(world))))
    assert amr(reply) == ["swk"]


async def test_a_passkey_as_the_second_factor_and_not_another_users(world: World):
    user = world.user(email_verified=True, email_ever_verified=True)
    await enrolled(world, user)
    authenticator, _ = await registered(world, user)
    intruder, _ = await registered(world, world.user())
    mfa_token = await challenge(world, user)
    options = await request_options(world, mfa_token=mfa_token)
    assert [entry["id"] for entry in options["allowCredentials"]] == [authenticator.id]
    stolen = AuthenticateWithPasskey(credential=intruder.get(options), mfa_token=mfa_token)
    await world.refused(stolen, "INVALID_CREDENTIALS", edge_itself=True)
    options = await request_options(world, mfa_token=mfa_token)
    reply = await world.ok(AuthenticateWithPasskey(credential=authenticator.get(options), mfa_token=mfa_token))
    assert amr(reply) == ["pwd", "hwk"]
    await world.refused(StartPasskeyAuthentication(mfa_token=mfa_token), "INVALID_TOKEN", edge_itself=True)


async def test_a_counter_that_went_back_is_refused_and_audited(world: World):
    user = world.user()
    authenticator, passkey = await registered(world, user)
    clone = authenticator.clone()
    await world.ok(AuthenticateWithPasskey(credential=authenticator.get(await request_options(world), count_step=3)))
    cloned = AuthenticateWithPasskey(credential=clone.get(await request_options(world)))
    await world.refused(cloned, "INVALID_CREDENTIALS", edge_itself=True)
    (row,) = world.store.audit_rows("auth.passkey_refused")
    assert row["new_values"] == {
        "passkey_id": passkey["id"],
        "reason": "sign counter went back",
        "stored": 3,
        "presented": 1,
    }


async def test_a_wrong_origin_is_refused(world: World):
    user = world.user()
    authenticator, _ = await registered(world, user)
    phished = authenticator.get(await request_options(world), origin="https://users.example.com.evil")
    await world.refused(AuthenticateWithPasskey(credential=phished), "INVALID_CREDENTIALS", edge_itself=True)
