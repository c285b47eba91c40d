"""The OpenID provider driven by a real relying party (Authlib's client, PyJWT's JWK client)
and a form-following browser: discovery, sign-in, code, tokens, ID token, userinfo, SSO,
prompt and max_age, consent, refresh, client credentials, revocation, introspection, logout."""

import secrets
import uuid

import httpx
import jwt
from authlib.integrations.httpx_client import OAuth2Client

from tests.integration.authenticator import enrol
from tests.integration.oidc import Browser, authorization_params, exchange, query_of, signed_in_code
from tests.support import USER_PASSWORD, Api


def test_discovery_lists_every_endpoint_at_both_addresses(stack, discovery):
    assert discovery == httpx.get(f"{stack.base_url}/.well-known/oauth-authorization-server").json()
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
    ):
        assert discovery[name].startswith(stack.base_url), name
    assert {"openid", "profile", "email", "offline_access"} <= set(discovery["scopes_supported"])
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    assert discovery["authorization_response_iss_parameter_supported"] is True
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(discovery["grant_types_supported"])
    assert set(discovery["token_endpoint_auth_methods_supported"]) >= {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }


def test_a_relying_party_signs_a_user_in_with_authlib_and_verifies_the_id_token(
    stack, register_client, make_user, discovery
):
    client = register_client(first_party=True)
    user, _ = make_user()
    rp = OAuth2Client(
        client.client_id,
        client.client_secret,
        scope="openid profile email",
        redirect_uri=client.redirect_uri,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(8)
    url, state = rp.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    browser = Browser(stack)
    page = browser.http.get(url)
    answer = browser.sign_in(page, user["username"], USER_PASSWORD)
    response = query_of(answer)
    assert answer.headers["location"].startswith(client.redirect_uri + "?")
    assert response["state"] == state and response["iss"] == discovery["issuer"]  # RFC 9207: the client checks it
    token = rp.fetch_token(
        discovery["token_endpoint"], code=response["code"], code_verifier=verifier, grant_type="authorization_code"
    )
    assert token["token_type"] == "Bearer" and token["scope"] == "openid profile email"
    assert "refresh_token" in token  # first party: no offline_access needed
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token["id_token"])
    claims = jwt.decode(
        token["id_token"], signing_key, algorithms=["RS256"], audience=client.client_id, issuer=discovery["issuer"]
    )
    assert jwt.get_unverified_header(token["id_token"])["alg"] == "RS256"
    assert claims["sub"] == user["id"] and claims["nonce"] == nonce and claims["amr"] == ["pwd"]
    assert claims["email"] == user["email"] and claims["preferred_username"] == user["username"]
    assert {"auth_time", "sid", "at_hash", "iat", "exp", "given_name", "family_name", "name", "updated_at"} <= set(
        claims
    )
    access = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert access["client_id"] == client.client_id and access["scope"] == "openid profile email"
    assert access["sub"] == user["id"] and "sid" in access and "jti" in access
    info = httpx.get(discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.status_code == 200 and info.json()["sub"] == user["id"] and info.json()["email"] == user["email"]
    assert info.headers["cache-control"].startswith("no-store")


def test_userinfo_gives_only_the_granted_scopes_and_refuses_a_bad_token(stack, register_client, make_user, discovery):
    client = register_client(first_party=True)
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user, scope="openid")
    token = exchange(stack, client, response["code"]).json()
    info = httpx.get(discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.json() == {"sub": user["id"]}
    bad = httpx.get(discovery["userinfo_endpoint"], headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]
    posted = httpx.post(discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert posted.status_code == 200 and posted.json()["sub"] == user["id"]


def test_single_sign_on_prompt_and_max_age(stack, register_client, make_user):
    first, second = register_client(first_party=True), register_client(first_party=True)
    user, _ = make_user()
    _, browser, _ = signed_in_code(stack, first, user)
    again = browser.authorize(**authorization_params(second))
    assert "code" in query_of(again)  # no password asked: the provider session
    assert browser.authorize(**authorization_params(second, prompt="login")).status_code == 200  # the sign-in page
    assert browser.authorize(**authorization_params(second, max_age="0")).status_code == 200
    assert "code" in query_of(browser.authorize(**authorization_params(second, max_age="3600")))
    silent = query_of(browser.authorize(**authorization_params(second, prompt="none")))
    assert "code" in silent
    stranger = query_of(Browser(stack).authorize(**authorization_params(second, prompt="none")))
    assert stranger["error"] == "login_required" and "iss" in stranger and "code" not in stranger
    hinted = Browser(stack).authorize(**authorization_params(second, login_hint=user["username"]))
    assert f'value="{user["username"]}"' in hinted.text


def test_a_third_party_client_asks_for_consent_which_is_remembered_listed_and_withdrawn(
    stack, register_client, make_user
):
    client = register_client(first_party=False)
    user, api = make_user()
    browser = Browser(stack)
    page = browser.sign_in(browser.authorize(**authorization_params(client)), user["username"], USER_PASSWORD)
    assert page.status_code == 200 and "Allow" in page.text and "Deny" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    denied = query_of(browser.submit(page, consent="deny"))
    assert denied["error"] == "access_denied"
    page = browser.authorize(**authorization_params(client))
    allowed = query_of(browser.submit(page, consent="allow"))
    tokens = exchange(stack, client, allowed["code"]).json()
    assert "refresh_token" in tokens  # offline_access consented
    assert "code" in query_of(browser.authorize(**authorization_params(client)))  # remembered
    consent_page = browser.authorize(**authorization_params(client, prompt="consent"))
    assert consent_page.status_code == 200 and 'value="allow"' in consent_page.text
    listed = api.get("/v1/auth/consents").json()["data"]
    assert [entry["client_id"] for entry in listed] == [client.client_id]
    assert set(listed[0]["scopes"]) == {"openid", "profile", "email", "offline_access"}
    assert api.delete(f"/v1/auth/consents/{client.client_id}").status_code == 204
    refreshed = httpx.post(
        f"{stack.base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=client.auth(),
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert api.get("/v1/auth/consents").json()["data"] == []
    needs_consent = query_of(browser.authorize(**authorization_params(client, prompt="none")))
    assert needs_consent["error"] == "consent_required"


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_grant(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user)
    first = exchange(stack, client, response["code"]).json()

    def refresh(token, **extra):
        data = {"grant_type": "refresh_token", "refresh_token": token, **extra}
        return httpx.post(f"{stack.base_url}/oauth/token", data=data, auth=client.auth())

    second = refresh(first["refresh_token"])
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    assert "id_token" not in second.json()
    assert second.headers["cache-control"].startswith("no-store")
    narrowed = refresh(second.json()["refresh_token"], scope="openid")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "openid"
    wider = refresh(narrowed.json()["refresh_token"], scope="openid users:read")
    assert wider.json()["error"] == "invalid_scope"
    replay = refresh(first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    ended = httpx.get(
        f"{stack.base_url}/oauth/userinfo", headers={"Authorization": f"Bearer {narrowed.json()['access_token']}"}
    )
    assert ended.status_code == 401  # the grant's session ended with the replay
    # A grant's refresh token never becomes a full-rights pair at /v1/auth/refresh.
    response, _, _ = signed_in_code(stack, client, user)
    grant = exchange(stack, client, response["code"]).json()
    elsewhere = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": grant["refresh_token"]})
    assert elsewhere.status_code == 401


def test_client_credentials_for_services_only(stack, register_client):
    service = register_client(grant_types=["client_credentials"], scopes=["users:read"])
    token = httpx.post(f"{stack.base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=service.auth())
    assert token.status_code == 200, token.text
    body = token.json()
    assert "refresh_token" not in body and body["scope"] == "users:read"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == service.client_id and claims["client_id"] == service.client_id and "sid" not in claims
    own_api = Api(stack.base_url, body["access_token"]).get("/v1/users")
    assert own_api.status_code == 403 and own_api.json()["error"]["code"] == "INSUFFICIENT_SCOPE"
    web = register_client(first_party=True)
    refused = httpx.post(f"{stack.base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=web.auth())
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    wrong_secret = httpx.post(
        f"{stack.base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(service.client_id, "nope")
    )
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert wrong_secret.headers["www-authenticate"].startswith("Basic")


def test_tokens_issued_to_a_client_act_only_within_their_scopes(stack, register_client, make_user):
    client = register_client(first_party=True, scopes=["openid", "users:read", "users:write"])
    user, api = make_user()
    response, _, _ = signed_in_code(stack, client, user, scope="openid users:read")
    reader = Api(stack.base_url, exchange(stack, client, response["code"]).json()["access_token"])
    assert reader.get(f"/v1/users/{user['id']}").status_code == 200
    assert reader.get("/v1/auth/me").status_code == 200
    patch = reader.patch(f"/v1/users/{user['id']}", json={"first_name": "Scoped"})
    assert patch.status_code == 403 and patch.json()["error"]["code"] == "INSUFFICIENT_SCOPE"
    assert reader.get("/v1/auth/sessions").json()["error"]["code"] == "INSUFFICIENT_SCOPE"
    response, _, _ = signed_in_code(stack, client, user, scope="openid users:write")
    writer = Api(stack.base_url, exchange(stack, client, response["code"]).json()["access_token"])
    assert writer.patch(f"/v1/users/{user['id']}", json={"first_name": "Scoped"}).status_code == 200
    listing = writer.get("/v1/users")  # the user's own role still applies: a plain user lists no one
    assert listing.status_code == 403
    assert api.get("/v1/auth/sessions").status_code == 200  # /v1/auth/login tokens keep full rights


def test_revocation_and_introspection(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user)
    tokens = exchange(stack, client, response["code"]).json()

    def introspect(token):
        return httpx.post(f"{stack.base_url}/oauth/introspect", data={"token": token}, auth=client.auth()).json()

    live = introspect(tokens["access_token"])
    assert live["active"] is True and live["client_id"] == client.client_id and live["sub"] == user["id"]
    assert {"scope", "exp", "iat", "iss", "token_type"} <= set(live)
    assert introspect(tokens["refresh_token"])["active"] is True
    assert introspect("garbage") == {"active": False}
    other = register_client(first_party=True)
    not_theirs = httpx.post(
        f"{stack.base_url}/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=other.auth()
    )
    assert not_theirs.status_code == 200 and introspect(tokens["refresh_token"])["active"] is True
    revoked = httpx.post(f"{stack.base_url}/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=client.auth())
    assert revoked.status_code == 200
    assert introspect(tokens["refresh_token"]) == {"active": False}
    assert introspect(tokens["access_token"]) == {"active": False}  # the grant's session ended
    public = register_client(type="public")
    refused = httpx.post(
        f"{stack.base_url}/oauth/introspect", data={"token": tokens["access_token"], "client_id": public.client_id}
    )
    assert refused.status_code == 401


def test_logout_with_an_id_token_hint_ends_the_session_and_its_grants(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    response, browser, _ = signed_in_code(stack, client, user)
    tokens = exchange(stack, client, response["code"]).json()
    out = browser.http.get(
        "/oauth/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://rp.example.com/signed-out",
            "state": "s1",
        },
    )
    assert out.status_code == 302 and out.headers["location"] == "https://rp.example.com/signed-out?state=s1"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{stack.base_url}/oauth/userinfo", headers=bearer).status_code == 401
    assert browser.authorize(**authorization_params(client)).status_code == 200  # asked to sign in again
    # An unregistered target is never redirected to.
    response, browser, _ = signed_in_code(stack, client, user)
    tokens = exchange(stack, client, response["code"]).json()
    page = browser.http.get(
        "/oauth/logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example"},
    )
    assert page.status_code == 200 and "signed out" in page.text
    # Without a hint the user confirms; a forged confirmation (no CSRF token) does nothing.
    response, browser, _ = signed_in_code(stack, client, user)
    forged = browser.http.post("/oauth/logout", data={"confirm": "yes"})
    assert "Sign out?" in forged.text
    assert "code" in query_of(browser.authorize(**authorization_params(client)))
    confirmation = browser.http.get("/oauth/logout")
    done = browser.submit(confirmation)
    assert "signed out" in done.text
    assert browser.authorize(**authorization_params(client)).status_code == 200


def test_a_user_with_mfa_passes_the_second_step_and_amr_says_so(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    browser = Browser(stack)
    params = authorization_params(client)
    step = browser.sign_in(browser.authorize(**params), user["email"], USER_PASSWORD)
    assert step.status_code == 200 and 'autocomplete="one-time-code"' in step.text
    wrong = browser.submit(step, code="000000")
    assert wrong.status_code == 401 and "not right" in wrong.text
    done = query_of(browser.submit(wrong, code=authenticator.next_code()))
    tokens = exchange(stack, client, done["code"]).json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "otp"]


def test_a_wrong_password_shows_the_page_again_and_counts_in_the_back_off(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    browser = Browser(stack)
    page = browser.authorize(**authorization_params(client))
    wrong = browser.sign_in(page, user["username"], "Wrong-password-1!")
    assert wrong.status_code == 401 and "Wrong email, username or password" in wrong.text
    unknown = browser.sign_in(page, f"nobody_{uuid.uuid4().hex[:8]}", "Wrong-password-1!")
    assert unknown.status_code == 401 and "Wrong email, username or password" in unknown.text
