"""The OpenID provider's commands, in-process: oauth_client.*, oauth.authorize, oauth.token,
oauth.revoke, oauth.introspect, oauth.end_session, oauth.consents.*."""

import uuid

import jwt

from tests.fast.world import PASSWORD, World
from usersvc.domain.commands import (
    CreateOAuthClient,
    DeleteOAuthClient,
    GetOAuthClient,
    ListOAuthClients,
    Login,
    RotateOAuthClientSecret,
    UpdateOAuthClient,
)
from usersvc.domain.oauth import s256_challenge
from usersvc.domain.oauth_commands import (
    AuthorizationRequest,
    Authorize,
    EndSession,
    IntrospectToken,
    ListConsents,
    RevokeToken,
    TokenRequest,
    WithdrawConsent,
)
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest

CALLBACK = "https://rp.example.com/callback"
VERIFIER = "v" * 50


async def register(world: World, admin, **fields) -> dict:
    body = {"name": "App", "type": "confidential", "redirect_uris": [CALLBACK], **fields}
    return await world.ok(CreateOAuthClient(**body), as_user=admin)


async def signed_in(world: World, user) -> str:
    """The provider's cookie token of a fresh sign-in (the sign-in page's Login)."""
    cookie = new_opaque_token()
    login = Login(username=user.username, password=PASSWORD, browser_session_digest=opaque_token_digest(cookie))
    reply = await world.ok(login, edge_itself=True)
    assert "access_token" not in reply and reply["browser_session_id"]
    return cookie


async def authorize(world: World, client: dict, cookie: str | None, **params) -> tuple[dict, str]:
    consent = params.pop("consent", None)
    values = {"response_type": "code", "redirect_uri": CALLBACK, "scope": "openid email", "state": "s1", **params}
    code = new_opaque_token()
    command = Authorize(
        request=AuthorizationRequest(client_id=client["client_id"], **values),
        browser_session_digest=opaque_token_digest(cookie) if cookie else None,
        code_digest=opaque_token_digest(code),
        consent=consent,
    )
    return await world.ok(command, edge_itself=True), code


async def token(world: World, client: dict, **fields) -> dict:
    auth = {"client_id": client["client_id"], "client_secret": client.get("client_secret")}
    method = "client_secret_basic" if auth["client_secret"] else "none"
    return await world.ok(TokenRequest(auth_method=method, **auth, **fields), edge_itself=True)


async def exchange(world: World, client: dict, code: str, **fields) -> dict:
    return await token(world, client, grant_type="authorization_code", code=code, redirect_uri=CALLBACK, **fields)


# --- oauth_client.* ---------------------------------------------------------------------------


async def test_a_client_is_registered_with_its_secret_shown_once_and_stored_as_a_digest(world: World, admin):
    client = await register(world, admin)
    stored = world.store.oauth_clients[client["client_id"]]
    assert client["client_secret"] and stored.secret_digest and client["client_secret"] not in str(vars(stored))
    assert "client_secret" not in await world.ok(GetOAuthClient(client_id=client["client_id"]), as_user=admin)
    page = await world.ok(ListOAuthClients(), as_user=admin)
    assert [entry["client_id"] for entry in page["data"]] == [client["client_id"]]
    assert all("secret" not in row["new_values"] for row in world.store.audit_rows("oauth_client.create"))


async def test_only_admins_and_services_manage_clients(world: World, admin):
    user = world.user()
    await world.refused(CreateOAuthClient(name="x", type="public", redirect_uris=[CALLBACK]), "FORBIDDEN", as_user=user)
    assert await world.ok(CreateOAuthClient(name="x", type="public", redirect_uris=[CALLBACK]), service="billing")
    await world.refused(
        CreateOAuthClient(name="x", type="public", redirect_uris=[CALLBACK], grant_types=["client_credentials"]),
        "VALIDATION_ERROR",
        as_user=admin,
    )


async def test_a_rotated_secret_replaces_the_old_one(world: World, admin):
    client = await register(world, admin, grant_types=["client_credentials"], scopes=["users:read"])
    rotated = await world.ok(RotateOAuthClientSecret(client_id=client["client_id"]), as_user=admin)
    old = await token(world, client, grant_type="client_credentials")
    assert old["status"] == 401 and old["body"]["error"] == "invalid_client"
    new = await token(world, {**client, "client_secret": rotated["client_secret"]}, grant_type="client_credentials")
    assert new["status"] == 200 and new["body"]["scope"] == "users:read"


async def test_a_public_client_made_confidential_gets_a_secret(world: World, admin):
    client = await register(world, admin, type="public")
    changed = await world.ok(UpdateOAuthClient(client_id=client["client_id"], type="confidential"), as_user=admin)
    assert changed["client_secret"] and world.store.oauth_clients[client["client_id"]].secret_digest


# --- oauth.authorize ----------------------------------------------------------------------------


async def test_an_unregistered_client_or_redirect_gets_the_error_page(world: World, admin):
    client = await register(world, admin, first_party=True)
    unknown, _ = await authorize(world, {"client_id": "nobody"}, None)
    assert unknown["outcome"] == "error_page"
    moved, _ = await authorize(world, client, None, redirect_uri=CALLBACK + "/x")
    assert moved["outcome"] == "error_page"


async def test_without_a_provider_session_the_user_signs_in_and_prompt_none_is_refused(world: World, admin):
    client = await register(world, admin, first_party=True)
    asked, _ = await authorize(world, client, None, login_hint="ann")
    assert (asked["outcome"], asked["login_hint"]) == ("login", "ann")
    silent, _ = await authorize(world, client, None, prompt="none")
    assert (silent["outcome"], silent["error"], silent["state"]) == ("error", "login_required", "s1")


async def test_a_public_client_must_send_an_s256_challenge(world: World, admin):
    client = await register(world, admin, type="public", first_party=True)
    cookie = await signed_in(world, world.user())
    missing, _ = await authorize(world, client, cookie)
    plain, _ = await authorize(world, client, cookie, code_challenge=VERIFIER, code_challenge_method="plain")
    assert (missing["error"], plain["error"]) == ("invalid_request", "invalid_request")
    ok, _ = await authorize(
        world, client, cookie, code_challenge=s256_challenge(VERIFIER), code_challenge_method="S256"
    )
    assert ok["outcome"] == "code"


async def test_a_code_is_stored_as_a_digest_bound_to_client_redirect_and_session(world: World, admin):
    client = await register(world, admin, first_party=True)
    user = world.user()
    cookie = await signed_in(world, user)
    answer, code = await authorize(world, client, cookie, nonce="n1")
    assert answer["outcome"] == "code" and code not in world.store.oauth_codes
    stored = world.store.oauth_codes[opaque_token_digest(code)]
    assert (stored.client_id, stored.redirect_uri, stored.user_id, stored.nonce) == (
        client["client_id"],
        CALLBACK,
        user.id,
        "n1",
    )
    assert [row["new_values"]["client_id"] for row in world.store.audit_rows("oauth.authorize")] == [
        client["client_id"]
    ]


async def test_a_third_party_client_asks_for_consent_and_remembers_it(world: World, admin):
    client = await register(world, admin)
    user = world.user()
    cookie = await signed_in(world, user)
    asked, _ = await authorize(world, client, cookie)
    assert asked["outcome"] == "consent" and asked["scopes"] == ["openid", "email"]
    denied, _ = await authorize(world, client, cookie, consent="deny")
    assert denied["error"] == "access_denied"
    allowed, _ = await authorize(world, client, cookie, consent="allow")
    assert allowed["outcome"] == "code"
    again, _ = await authorize(world, client, cookie)
    assert again["outcome"] == "code"
    listed = await world.ok(ListConsents(user_id=user.id), as_user=user)
    assert [entry["client_id"] for entry in listed["data"]] == [client["client_id"]]
    await world.ok(WithdrawConsent(user_id=user.id, client_id=client["client_id"]), as_user=user)
    assert (await authorize(world, client, cookie))[0]["outcome"] == "consent"
    await world.refused(WithdrawConsent(user_id=user.id, client_id=client["client_id"]), "NOT_FOUND", as_user=user)


# --- oauth.token ------------------------------------------------------------------------------


async def test_a_code_gives_tokens_once_and_its_replay_ends_the_grant(world: World, admin):
    client = await register(world, admin, first_party=True)
    user = world.user()
    cookie = await signed_in(world, user)
    _, code = await authorize(world, client, cookie, nonce="n1", scope="openid email offline_access")
    first = await exchange(world, client, code)
    assert first["status"] == 200
    body = first["body"]
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(body["id_token"])["alg"] == "RS256"
    assert (claims["sub"], claims["aud"], claims["nonce"], claims["email"]) == (
        str(user.id),
        client["client_id"],
        "n1",
        user.email,
    )
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    grant = world.store.sessions[uuid.UUID(access["sid"])]
    assert grant.kind == "grant" and grant.client_id == client["client_id"]
    replay = await exchange(world, client, code)
    assert (replay["status"], replay["body"]["error"]) == (400, "invalid_grant")
    assert world.store.sessions[grant.id].revoked_at is not None


async def test_a_code_is_refused_to_another_client_and_to_a_wrong_verifier(world: World, admin):
    client = await register(world, admin, first_party=True)
    other = await register(world, admin, first_party=True)
    cookie = await signed_in(world, world.user())
    _, code = await authorize(world, client, cookie)
    assert (await exchange(world, other, code))["body"]["error"] == "invalid_grant"
    challenged = {"code_challenge": s256_challenge(VERIFIER), "code_challenge_method": "S256"}
    _, code = await authorize(world, client, cookie, **challenged)
    assert (await exchange(world, client, code, code_verifier="w" * 50))["body"]["error"] == "invalid_grant"
    _, code = await authorize(world, client, cookie)
    downgraded = await exchange(world, client, code, code_verifier=VERIFIER)
    assert downgraded["body"]["error"] == "invalid_grant"


async def test_refresh_rotates_and_a_spent_token_ends_the_grant(world: World, admin):
    client = await register(world, admin, first_party=True)
    cookie = await signed_in(world, world.user())
    _, code = await authorize(world, client, cookie)
    first = (await exchange(world, client, code))["body"]
    second = await token(world, client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second["status"] == 200 and "id_token" not in second["body"]
    reused = await token(world, client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused["body"]["error"] == "invalid_grant"
    after = await token(world, client, grant_type="refresh_token", refresh_token=second["body"]["refresh_token"])
    assert after["body"]["error"] == "invalid_grant"


async def test_client_credentials_only_for_confidential_clients_that_registered_it(world: World, admin):
    web = await register(world, admin, first_party=True)
    refused = await token(world, web, grant_type="client_credentials")
    assert refused["body"]["error"] == "unauthorized_client"
    unknown = await token(world, web, grant_type="password")
    assert unknown["body"]["error"] == "unsupported_grant_type"


# --- oauth.revoke, oauth.introspect, oauth.end_session, oauth_client.delete -----------------------


async def test_revocation_and_introspection(world: World, admin):
    client = await register(world, admin, first_party=True)
    cookie = await signed_in(world, world.user())
    _, code = await authorize(world, client, cookie)
    body = (await exchange(world, client, code))["body"]
    auth = {"client_id": client["client_id"], "client_secret": client["client_secret"]}
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    live = await world.ok(IntrospectToken(**auth, access_claims=claims), edge_itself=True)
    assert live["body"]["active"] is True and live["body"]["client_id"] == client["client_id"]
    digest = opaque_token_digest(body["refresh_token"])
    assert (await world.ok(RevokeToken(**auth, refresh_token_digest=digest), edge_itself=True))["status"] == 200
    gone = await world.ok(IntrospectToken(**auth, refresh_token_digest=digest), edge_itself=True)
    assert gone["body"] == {"active": False}
    assert (await world.ok(IntrospectToken(**auth, access_claims=claims), edge_itself=True))["body"]["active"] is False


async def test_end_session_ends_the_browser_session_and_its_grants_and_redirects_only_where_registered(
    world: World, admin
):
    client = await register(world, admin, first_party=True, post_logout_redirect_uris=["https://rp.example.com/bye"])
    cookie = await signed_in(world, world.user())
    _, code = await authorize(world, client, cookie)
    await exchange(world, client, code)
    digest = opaque_token_digest(cookie)
    elsewhere = EndSession(
        browser_session_digest=digest, client_id=client["client_id"], post_logout_redirect_uri="https://evil.example"
    )
    out = await world.ok(elsewhere, edge_itself=True)
    assert (out["redirect_uri"], out["signed_out"], out["grants_ended"]) == (None, True, 1)
    assert (await authorize(world, client, cookie))[0]["outcome"] == "login"
    home = EndSession(client_id=client["client_id"], post_logout_redirect_uri="https://rp.example.com/bye")
    assert (await world.ok(home, edge_itself=True))["redirect_uri"] == "https://rp.example.com/bye"


async def test_deleting_a_client_ends_its_grants_and_consents(world: World, admin):
    client = await register(world, admin)
    user = world.user()
    cookie = await signed_in(world, user)
    _, code = await authorize(world, client, cookie, consent="allow")
    await exchange(world, client, code)
    await world.ok(DeleteOAuthClient(client_id=client["client_id"]), as_user=admin)
    grants = [s for s in world.store.sessions.values() if s.kind == "grant"]
    assert grants and all(s.revoked_at is not None for s in grants)
    assert world.store.oauth_consents == {}
    await world.refused(GetOAuthClient(client_id=client["client_id"]), "NOT_FOUND", as_user=admin)
