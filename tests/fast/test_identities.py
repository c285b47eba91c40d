"""Sign in with another provider, in-process: identity_provider.* and identity.* over memory,
with the provider itself faked (its checks are exercised against real providers in
tests/integration/test_identity_brokering.py)."""

import dataclasses
from typing import Any

import pytest

from tests.fast.world import PASSWORD, World
from usersvc.domain.identity_providers import (
    CompleteProviderSignIn,
    CreateIdentityProvider,
    DeleteIdentityProvider,
    ExchangeLoginCode,
    GetIdentityProvider,
    LinkIdentity,
    ListIdentities,
    ListIdentityProviders,
    StartProviderSignIn,
    UnlinkIdentity,
    UpdateIdentityProvider,
)
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.workers.upstream_providers import Endpoints, UpstreamError

BROWSER = new_opaque_token()


class FakeProvider:
    """Answers as a provider would; `claims` is who signs in, `refuse` a check that fails."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {"sub": "s-1", "email": "ada@idp.example.com", "email_verified": True}
        self.refuse: str | None = None

    async def endpoints(self, provider: Any) -> Endpoints:
        return Endpoints(
            "https://idp.example.com", "https://idp.example.com/auth", "https://idp.example.com/token", None, "j"
        )

    async def redeem_code(self, provider: Any, endpoints: Endpoints, **_: Any) -> dict:
        return {"access_token": "a", "id_token": "t"}

    async def id_token_claims(self, provider: Any, endpoints: Endpoints, id_token: str, *, nonce: str) -> dict:
        if self.refuse:
            raise UpstreamError(self.refuse)
        return {**self.claims, "nonce": nonce}


@pytest.fixture
def idp(world: World) -> FakeProvider:
    fake = FakeProvider()
    world.deps = dataclasses.replace(world.deps, upstream=fake)  # type: ignore[arg-type]
    return fake


async def add_provider(world: World, admin, **fields) -> dict:
    body = {
        "slug": "idp",
        "name": "IdP",
        "kind": "oidc",
        "issuer": "https://idp.example.com",
        "client_id": "c",
        "client_secret": "top-secret",
        "creates_accounts": True,
        "trusts_email_verified": True,
        **fields,
    }
    return await world.ok(CreateIdentityProvider(**body), as_user=admin)


async def login_code(world: World, slug: str = "idp", *, browser: str = BROWSER) -> str:
    state, code = new_opaque_token(), new_opaque_token()
    binding = opaque_token_digest(browser)
    started = StartProviderSignIn(
        slug=slug, return_to="https://users.example.com/admin/", state=state, browser_binding_digest=binding
    )
    assert (await world.ok(started, edge_itself=True))["authorization_url"].startswith("https://idp.example.com/auth?")
    callback = CompleteProviderSignIn(
        slug=slug,
        state_digest=opaque_token_digest(state),
        browser_binding_digest=binding,
        code="c0de",
        login_code_digest=opaque_token_digest(code),
    )
    assert await world.ok(callback, edge_itself=True) == {"return_to": "https://users.example.com/admin/"}
    return code


async def linked_with_bearer(world: World, user, code: str) -> dict:
    """identity.link by the signed-in user, from the browser that started the sign-in."""
    link = LinkIdentity(
        login_code_digest=opaque_token_digest(code),
        user_id=user.id,
        browser_binding_digest=opaque_token_digest(BROWSER),
    )
    return await world.ok(link, as_user=user)


async def test_admins_keep_providers_with_the_secret_sealed_and_audited(world: World, admin):
    view = await add_provider(world, admin)
    assert view["callback_url"] == "https://users.example.com/v1/auth/providers/idp/callback"
    assert "top-secret" not in str(world.store.identity_providers) and "client_secret" not in view
    assert (await world.ok(GetIdentityProvider(slug="idp"), as_user=admin))["name"] == "IdP"
    changed = await world.ok(UpdateIdentityProvider(slug="idp", name="Other", enabled=False), as_user=admin)
    assert changed["name"] == "Other" and changed["enabled"] is False
    assert (await world.ok(ListIdentityProviders(public=True), edge_itself=True))["data"] == []
    assert len((await world.ok(ListIdentityProviders(), as_user=admin))["data"]) == 1
    await world.refused(ListIdentityProviders(), "FORBIDDEN", as_user=world.user())
    twin = {
        "slug": "idp",
        "name": "x",
        "kind": "oidc",
        "issuer": "https://a.example",
        "client_id": "c",
        "client_secret": "s",
    }
    await world.refused(CreateIdentityProvider(**twin), "ALREADY_EXISTS", as_user=admin)
    await world.ok(DeleteIdentityProvider(slug="idp"), as_user=admin)
    await world.refused(GetIdentityProvider(slug="idp"), "NOT_FOUND", as_user=admin)
    actions = [row["action"] for row in world.store.audit if row["entity_type"] == "identity_provider"]
    assert actions == ["identity_provider.create", "identity_provider.update", "identity_provider.delete"]


async def test_a_new_subject_gets_an_account_without_a_password_and_cannot_drop_its_only_way_in(
    world: World, admin, idp
):
    await add_provider(world, admin)
    code = await login_code(world)
    signed_in = await world.ok(ExchangeLoginCode(login_code_digest=opaque_token_digest(code)), edge_itself=True)
    user = world.stored(signed_in["user"]["id"])
    assert user.password_hash.startswith("!unusable:") and user.email_verified is True
    await world.refused(
        ExchangeLoginCode(login_code_digest=opaque_token_digest(code)), "INVALID_TOKEN", edge_itself=True
    )
    (identity,) = (await world.ok(ListIdentities(user_id=user.id), as_user=user))["data"]
    assert identity["subject"] == "s-1" and identity["provider"] == "idp"
    await world.refused(
        UnlinkIdentity(user_id=user.id, identity_id=identity["id"]), "LAST_SIGN_IN_METHOD", as_user=user
    )
    assert [event["routing_key"] for event in world.store.events("user.identity_linked")] == ["user.identity_linked"]


async def test_no_account_is_made_while_registration_is_closed(world: World, admin, idp):
    """creates_accounts is the provider's rule, ALLOW_REGISTRATION the service's: both must allow."""
    world.deps = dataclasses.replace(
        world.deps, settings=world.settings.model_copy(update={"allow_registration": False})
    )
    await add_provider(world, admin)
    code = await login_code(world)
    await world.refused(ExchangeLoginCode(login_code_digest=opaque_token_digest(code)), "FORBIDDEN", edge_itself=True)
    assert not [user for user in world.store.users.values() if user.email == "ada@idp.example.com"]


async def test_a_refused_id_token_spends_the_state_and_issues_no_code(world: World, admin, idp):
    await add_provider(world, admin)
    idp.refuse = "The ID token was issued to another application"
    state = new_opaque_token()
    binding = opaque_token_digest(BROWSER)
    start = StartProviderSignIn(
        slug="idp", return_to="https://users.example.com/x", state=state, browser_binding_digest=binding
    )
    await world.ok(start, edge_itself=True)
    callback = CompleteProviderSignIn(
        slug="idp", state_digest=opaque_token_digest(state), browser_binding_digest=binding, code="c",
        login_code_digest=opaque_token_digest(new_opaque_token()),
    )  # fmt: skip
    assert (await world.refused(callback, "FORBIDDEN", edge_itself=True))["message"].endswith("application")
    idp.refuse = None
    await world.refused(callback, "INVALID_TOKEN", edge_itself=True)  # the state is spent
    elsewhere = StartProviderSignIn(
        slug="idp", return_to="https://evil.example/", state=new_opaque_token(), browser_binding_digest=binding
    )
    await world.refused(elsewhere, "MALFORMED_REQUEST", edge_itself=True)


async def test_a_matching_address_links_only_with_the_password_or_the_bearer(world: World, admin, idp):
    await add_provider(world, admin)
    owner = world.user(email="ada@idp.example.com")
    code = await login_code(world)
    digest = opaque_token_digest(code)
    await world.refused(ExchangeLoginCode(login_code_digest=digest), "IDENTITY_LINK_REQUIRED", edge_itself=True)
    await world.refused(
        LinkIdentity(login_code_digest=digest, password="Wr0ng!pass"), "INVALID_CREDENTIALS", edge_itself=True
    )
    linked = await world.ok(LinkIdentity(login_code_digest=digest, password=PASSWORD), edge_itself=True)
    assert linked["user"]["id"] == str(owner.id)
    other = world.user()
    idp.claims = {"sub": "s-2", "email": "someone@idp.example.com", "email_verified": False}
    assert (await linked_with_bearer(world, other, await login_code(world)))["subject"] == "s-2"
    (identity,) = (await world.ok(ListIdentities(user_id=other.id), as_user=other))["data"]
    assert await world.ok(UnlinkIdentity(user_id=other.id, identity_id=identity["id"]), as_user=other) == {}


# --- MFA and the provider's amr ---------------------------------------------------------


async def _mfa_account_linked(world: World, admin, idp, **provider_fields) -> Any:
    """An account with MFA on, its identity at the provider linked by its bearer."""
    await add_provider(world, admin, **provider_fields)
    user = world.user(mfa_enabled=True)
    idp.claims = {"sub": "s-mfa", "email": "someone@idp.example.com", "email_verified": True}
    await linked_with_bearer(world, user, await login_code(world))
    return user


async def _exchange_with_amr(world: World, idp, amr: Any) -> dict:
    idp.claims = {"sub": "s-mfa", "email": "someone@idp.example.com", "email_verified": True, "amr": amr}
    code = await login_code(world)
    return await world.ok(ExchangeLoginCode(login_code_digest=opaque_token_digest(code)), edge_itself=True)


async def test_a_trusted_providers_second_factor_stands_for_the_totp_step_and_is_audited(world: World, admin, idp):
    user = await _mfa_account_linked(world, admin, idp, trusts_amr_second_factor=True)
    reply = await _exchange_with_amr(world, idp, ["pwd", "mfa"])
    assert "mfa_required" not in reply and reply["access_token"] and reply["user"]["id"] == str(user.id)
    assert world.store.challenges == {}
    (session,) = [s for s in world.store.sessions.values() if s.user_id == user.id]
    assert session.amr == ["ext", "mfa"]
    (row,) = world.store.audit_rows("auth.login")
    assert row["new_values"]["second_factor"] == "provider_amr"
    assert row["new_values"]["second_factor_vouched_by"] == {"provider": "idp", "amr": ["pwd", "mfa"]}


@pytest.mark.parametrize(
    ("trusted", "amr"),
    [
        (False, ["mfa", "hwk"]),  # asserted, but the admin does not trust this provider's amr
        (True, ["pwd"]),  # trusted, but only a password
        (True, ["pwd", "kba", "geo", "mca"]),  # knowledge and context are no second factor
        (True, "mfa"),  # not a list: no methods
        (True, None),  # no amr at all
    ],
)
async def test_otherwise_an_account_with_mfa_is_asked_for_its_code(world: World, admin, idp, trusted, amr):
    user = await _mfa_account_linked(world, admin, idp, trusts_amr_second_factor=trusted)
    reply = await _exchange_with_amr(world, idp, amr)
    assert reply["mfa_required"] is True and reply["mfa_token"] and "access_token" not in reply
    assert not [s for s in world.store.sessions.values() if s.user_id == user.id]
    assert world.store.audit_rows("auth.login") == []
    assert len(world.store.audit_rows("auth.mfa_challenge")) == 1


async def test_an_asserted_second_factor_changes_nothing_for_an_account_without_mfa(world: World, admin, idp):
    await add_provider(world, admin, trusts_amr_second_factor=True)
    reply = await _exchange_with_amr(world, idp, ["mfa"])
    assert reply["access_token"] and "mfa_required" not in reply
    (session,) = world.store.sessions.values()
    assert session.amr == ["pwd"]  # as any provider sign-in without MFA (not "mfa": usersvc asked for none)
    (row,) = world.store.audit_rows("auth.login")
    assert "second_factor" not in row["new_values"] and "second_factor_vouched_by" not in row["new_values"]


async def test_the_amr_kept_is_the_id_tokens_and_an_oauth2_provider_cannot_be_trusted_for_it(world: World, admin, idp):
    await add_provider(world, admin, trusts_amr_second_factor=True)
    idp.claims = {"sub": "s-9", "email": "nine@idp.example.com", "amr": ["otp", 7, "x" * 40, "hwk"]}
    await login_code(world)
    (sign_in,) = world.store.provider_sign_ins.values()
    assert sign_in.profile["amr"] == ["otp", "hwk"]
    github = {
        "slug": "gh",
        "name": "GitHub",
        "kind": "oauth2",
        "authorization_endpoint": "https://gh.example.com/a",
        "token_endpoint": "https://gh.example.com/t",
        "userinfo_endpoint": "https://gh.example.com/u",
        "client_id": "c",
        "client_secret": "s",
    }
    with pytest.raises(ValueError, match="no ID token"):
        CreateIdentityProvider(**github, trusts_amr_second_factor=True)
    assert (await world.ok(CreateIdentityProvider(**github), as_user=admin))["trusts_amr_second_factor"] is False
    refused = await world.refused(
        UpdateIdentityProvider(slug="gh", trusts_amr_second_factor=True), "VALIDATION_ERROR", as_user=admin
    )
    assert "no ID token" in str(refused)
    changed = await world.ok(UpdateIdentityProvider(slug="idp", trusts_amr_second_factor=False), as_user=admin)
    assert changed["trusts_amr_second_factor"] is False
