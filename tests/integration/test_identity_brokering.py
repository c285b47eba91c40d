"""Sign in with another provider (docs/identity-providers.md), against local providers only:
a stand-in OpenID Connect provider and a GitHub-style OAuth 2 one (tests/integration/
upstream_stub.py), and a second usersvc acting as the upstream OpenID provider. The attacks
are here too: state and nonce replay, forged callbacks, ID tokens for another audience or
issuer, a matching address without proof, a provider changing a linked subject's address,
and open redirects through return_to."""

import asyncio
import json
import subprocess
import sys
import uuid

import httpx
import jwt
import pytest

from tests.integration.authenticator import enrol
from tests.integration.brokering import ProviderBrowser, add_stub_providers, location_query
from tests.integration.oidc import Browser, authorization_params, form_of, query_of, register_client_with
from tests.integration.upstream_stub import CLIENT_ID, CLIENT_SECRET, UpstreamStub
from tests.support import ADMIN_PASSWORD, USER_PASSWORD, Api, database, free_port, login, running_stack


@pytest.fixture(scope="module")
def stub():
    server = UpstreamStub(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def providers(stub, admin):
    return add_stub_providers(admin, stub)


@pytest.fixture
def fresh_user(stub):
    """The stub's next sign-in: a new subject with a new, verified address."""
    tag = uuid.uuid4().hex[:10]
    stub.tamper = {}
    stub.next_user = {
        "sub": f"sub-{tag}",
        "id": int(uuid.uuid4().int % 10**9),
        "login": f"octo_{tag}",
        "email": f"person_{tag}@idp.example.com",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "name": "Ada L",
    }
    return stub.next_user


def _rows(stack, sql: str, *args):
    async def run():
        async with database(stack.owner_database_url) as connection:
            return await connection.fetch(sql, *args)

    return asyncio.run(run())


# --- administration ------------------------------------------------------------------


def test_admins_configure_providers_audited_with_the_secret_sealed(stack, admin, stub, make_user):
    slug = f"p-{uuid.uuid4().hex[:8]}"
    body = {
        "slug": slug,
        "name": "Example",
        "kind": "oidc",
        "issuer": stub.issuer,
        "client_id": "abc",
        "client_secret": "s3cret-value-never-shown",
    }
    created = admin.post("/v1/identity-providers", json=body)
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["callback_url"] == f"{stack.base_url}/v1/auth/providers/{slug}/callback"
    assert created.headers["location"] == f"/v1/identity-providers/{slug}"
    assert "client_secret" not in view and "s3cret" not in created.text
    assert view["scopes"] == ["openid", "email", "profile"]
    assert admin.post("/v1/identity-providers", json=body).json()["error"]["code"] == "ALREADY_EXISTS"
    assert admin.post("/v1/identity-providers", json={**body, "slug": "x-2", "issuer": None}).status_code == 422
    assert any(p["slug"] == slug for p in admin.get("/v1/identity-providers").json()["data"])
    changed = admin.patch(f"/v1/identity-providers/{slug}", json={"name": "Renamed", "client_secret": "new-one"})
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed", changed.text
    (row,) = _rows(stack, 'SELECT "client_secret_sealed" FROM "identity_providers" WHERE "slug" = $1', slug)
    assert "new-one" not in row["client_secret_sealed"]
    _, user_api = make_user()
    assert user_api.get("/v1/identity-providers").status_code == 403
    assert user_api.post("/v1/identity-providers", json={**body, "slug": "nope"}).status_code == 403
    assert admin.delete(f"/v1/identity-providers/{slug}").status_code == 204
    assert admin.get(f"/v1/identity-providers/{slug}").status_code == 404
    actions = {row["action"] for row in admin.get("/v1/audit-logs", params={"entity_id": slug}).json()["data"]}
    assert {"identity_provider.create", "identity_provider.update", "identity_provider.delete"} <= actions


def test_a_slug_longer_than_any_is_unknown_not_a_500(stack):
    """Found by the API conformance run: a long path slug reached the ORM's length check."""
    start = httpx.get(f"{stack.base_url}/v1/auth/providers/{'x' * 80}/start", params={"return_to": stack.base_url})
    assert start.status_code == 404, start.text


def test_anyone_lists_the_providers_to_sign_in_with(stack, providers):
    offered = httpx.get(f"{stack.base_url}/v1/auth/providers").json()["data"]
    by_slug = {provider["slug"]: provider for provider in offered}
    assert set(providers) <= set(by_slug)
    assert by_slug[providers[0]]["start_url"] == f"{stack.base_url}/v1/auth/providers/{providers[0]}/start"


# --- signing in ----------------------------------------------------------------------


def test_first_oidc_sign_in_creates_an_account_without_a_password(stack, stub, providers, fresh_user):
    browser = ProviderBrowser(stack.base_url)
    started = browser.start(providers[0])
    sent = location_query(started)
    assert sent["code_challenge_method"] == "S256" and sent["nonce"] and len(sent["state"]) >= 32
    assert sent["redirect_uri"] == f"{stack.base_url}/v1/auth/providers/{providers[0]}/callback"
    back = browser.http.get(browser.http.get(started.headers["location"]).headers["location"])
    code = location_query(back)["login_code"]
    assert back.headers["location"].startswith(f"{stack.base_url}/admin/?login_code=")
    answer = browser.exchange(code)
    assert answer.status_code == 200, answer.text
    login_body = answer.json()
    assert {"access_token", "refresh_token", "token_type", "expires_in", "user"} <= set(login_body)
    assert login_body["user"]["email"] == fresh_user["email"] and login_body["user"]["email_verified"] is True
    again = browser.exchange(code)
    assert again.status_code == 400 and again.json()["error"]["code"] == "INVALID_TOKEN"
    assert browser.exchange("no-such-code").json()["error"]["code"] == "INVALID_TOKEN"
    me = Api(stack.base_url, login_body["access_token"])
    (identity,) = me.get("/v1/auth/identities").json()["data"]
    assert identity["provider"] == providers[0] and identity["subject"] == fresh_user["sub"]
    assert set(identity) == {"id", "provider", "subject", "email", "linked_at"}
    (row,) = _rows(stack, 'SELECT "password_hash" FROM "users" WHERE "id" = $1', uuid.UUID(login_body["user"]["id"]))
    assert row["password_hash"].startswith("!unusable:")
    # The only way in: it stays.
    removed = me.delete(f"/v1/auth/identities/{identity['id']}")
    assert removed.status_code == 409 and removed.json()["error"]["code"] == "LAST_SIGN_IN_METHOD"
    # Signing in again finds the same account.
    assert browser.exchange(browser.login_code(providers[0])).json()["user"]["id"] == login_body["user"]["id"]


def test_a_github_style_provider_signs_in_through_its_user_info(stack, stub, providers, fresh_user):
    browser = ProviderBrowser(stack.base_url)
    answer = browser.exchange(browser.login_code(providers[1]))
    assert answer.status_code == 200, answer.text
    user = answer.json()["user"]
    assert user["username"] == fresh_user["login"] and user["first_name"] == "Ada L"
    assert user["email_verified"] is False  # no email_verified claim: not vouched for
    assert "nonce" not in stub.requests[-1] and stub.requests[-1]["code_challenge_method"] == "S256"


def test_a_login_code_expires_after_a_minute(stack, providers, fresh_user):
    browser = ProviderBrowser(stack.base_url)
    code = browser.login_code(providers[0])
    _rows(
        stack,
        """UPDATE "provider_sign_ins" SET "login_code_expires_at" = now() - interval '1 second'
           WHERE "login_code_used_at" IS NULL AND "subject" = $1""",
        fresh_user["sub"],
    )
    assert browser.exchange(code).json()["error"]["code"] == "INVALID_TOKEN"


def test_an_existing_account_with_a_verified_address_is_linked_only_with_its_password(
    stack, stub, providers, make_user, fresh_user
):
    user, _ = make_user()
    stub.next_user = {**fresh_user, "email": user["email"], "email_verified": True}
    browser = ProviderBrowser(stack.base_url)
    code = browser.login_code(providers[0])
    refused = browser.exchange(code)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "IDENTITY_LINK_REQUIRED"
    wrong = browser.http.post(
        f"{stack.base_url}/v1/auth/identities/link", json={"login_code": code, "password": "Wr0ng!pass"}
    )
    assert wrong.status_code == 401, wrong.text
    linked = browser.http.post(
        f"{stack.base_url}/v1/auth/identities/link", json={"login_code": code, "password": USER_PASSWORD}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["user"]["id"] == user["id"]
    # From now on the provider alone signs this account in.
    assert browser.exchange(browser.login_code(providers[0])).json()["user"]["id"] == user["id"]
    (event,) = _rows(
        stack,
        """SELECT "payload" FROM "outbox_events" WHERE "routing_key" = 'user.identity_linked'
           AND "payload"::text LIKE $1""",
        f"%{user['id']}%",
    )
    assert event is not None


def test_a_user_with_mfa_links_and_is_still_asked_for_the_code(stack, stub, providers, make_user, fresh_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    stub.next_user = {**fresh_user, "email": user["email"]}
    browser = ProviderBrowser(stack.base_url)
    code = browser.login_code(providers[0])
    linked = browser.http.post(
        f"{stack.base_url}/v1/auth/identities/link", json={"login_code": code, "password": USER_PASSWORD}
    )
    assert linked.status_code == 200 and linked.json()["mfa_required"] is True, linked.text
    answer = browser.exchange(browser.login_code(providers[0]))
    assert answer.status_code == 200 and answer.json()["mfa_required"] is True, answer.text
    verified = httpx.post(
        f"{stack.base_url}/v1/auth/mfa/verify",
        json={"mfa_token": answer.json()["mfa_token"], "code": authenticator.next_code()},
    )
    assert verified.status_code == 200 and verified.json()["user"]["id"] == user["id"], verified.text


def _mfa_user_linked_to(stack, browser: ProviderBrowser, slug: str, make_user) -> tuple[dict, Api]:
    """A user with TOTP on whose identity at the stub (next_user) is linked with the bearer."""
    user, api = make_user(verified=True)
    enrol(api)
    linked = browser.http.post(
        f"{stack.base_url}/v1/auth/identities/link",
        json={"login_code": browser.login_code(slug)},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert linked.status_code == 200, linked.text
    return user, api


def test_a_provider_asserting_mfa_that_the_admin_does_not_trust_still_gets_the_totp_step(
    stack, admin, stub, providers, make_user, fresh_user
):
    """The provider's ID token says amr ["mfa", "hwk"]; trusts_amr_second_factor is off
    (the default): the account's own second factor is still asked for."""
    assert admin.get(f"/v1/identity-providers/{providers[0]}").json()["trusts_amr_second_factor"] is False
    stub.next_user = {**fresh_user, "amr": ["mfa", "hwk"]}
    browser = ProviderBrowser(stack.base_url)
    _mfa_user_linked_to(stack, browser, providers[0], make_user)
    answer = browser.exchange(browser.login_code(providers[0]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["mfa_required"] is True and "access_token" not in answer.json(), answer.text
    # The claim did reach usersvc, checked and kept: refused for want of trust, not for want of a claim.
    rows = _rows(
        stack, 'SELECT "profile"->\'amr\' AS "amr" FROM "provider_sign_ins" WHERE "subject" = $1', fresh_user["sub"]
    )
    assert rows and all(json.loads(row["amr"]) == ["mfa", "hwk"] for row in rows)


def test_a_trusted_providers_second_factor_signs_an_mfa_account_in_audited(stack, admin, stub, make_user, fresh_user):
    slug = f"trusted-{uuid.uuid4().hex[:6]}"
    created = admin.post(
        "/v1/identity-providers",
        json={
            "slug": slug,
            "name": "Trusted amr",
            "kind": "oidc",
            "issuer": stub.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "trusts_amr_second_factor": True,
        },
    )
    assert created.status_code == 201 and created.json()["trusts_amr_second_factor"] is True, created.text
    stub.next_user = {**fresh_user, "amr": ["pwd", "otp"]}
    browser = ProviderBrowser(stack.base_url)
    user, _ = _mfa_user_linked_to(stack, browser, slug, make_user)
    answer = browser.exchange(browser.login_code(slug))
    assert answer.status_code == 200 and "mfa_required" not in answer.json(), answer.text
    assert jwt.decode(answer.json()["access_token"], options={"verify_signature": False})["amr"] == ["ext", "mfa"]
    trail = admin.get("/v1/audit-logs", params={"entity_id": user["id"], "action": "auth.login"}).json()["data"]
    vouched = [row["new_values"].get("second_factor_vouched_by") for row in trail]
    assert {"provider": slug, "amr": ["pwd", "otp"]} in vouched, trail
    # Only a password upstream: the TOTP step again.
    stub.next_user = {**fresh_user, "amr": ["pwd"]}
    assert browser.exchange(browser.login_code(slug)).json()["mfa_required"] is True


def test_a_signed_in_user_links_and_unlinks_an_identity_with_the_bearer(stack, providers, make_user, fresh_user):
    user, api = make_user()
    browser = ProviderBrowser(stack.base_url)
    code = browser.login_code(providers[1])
    # A code from another browser's sign-in cannot be linked with this bearer.
    stranger = httpx.post(
        f"{stack.base_url}/v1/auth/identities/link",
        json={"login_code": code},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert stranger.status_code == 400 and stranger.json()["error"]["code"] == "INVALID_TOKEN"
    linked = browser.http.post(
        f"{stack.base_url}/v1/auth/identities/link",
        json={"login_code": code},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["provider"] == providers[1] and linked.json()["subject"] == str(fresh_user["id"])
    (identity,) = api.get("/v1/auth/identities").json()["data"]
    assert api.delete(f"/v1/auth/identities/{identity['id']}").status_code == 204  # the password remains
    assert api.get("/v1/auth/identities").json()["data"] == []
    actions = [
        row["action"]
        for row in Api(stack.base_url, login(stack.base_url, ADMIN_PASSWORD, username="root").token)
        .get("/v1/audit-logs", params={"entity_id": user["id"]})
        .json()["data"]
    ]
    assert "identity.link" in actions and "identity.unlink" in actions


def test_a_provider_that_may_not_create_accounts_refuses_unknown_subjects(stack, admin, stub, fresh_user):
    oidc, _ = add_stub_providers(admin, stub, creates_accounts=False)
    browser = ProviderBrowser(stack.base_url)
    refused = browser.exchange(browser.login_code(oidc))
    assert refused.status_code == 403, refused.text
    assert "may not create" in refused.json()["error"]["message"]


# --- attacks ---------------------------------------------------------------------------


def test_a_replayed_state_is_refused(stack, providers, fresh_user):
    browser = ProviderBrowser(stack.base_url)
    callback = browser.to_callback(providers[0])
    assert browser.http.get(callback).status_code == 302
    replayed = browser.http.get(callback)
    assert replayed.status_code == 400 and "unknown, used or expired" in replayed.text


def test_a_forged_callback_signs_no_one_in(stack, providers, fresh_user):
    browser = ProviderBrowser(stack.base_url)
    base = f"{stack.base_url}/v1/auth/providers/{providers[0]}/callback"
    assert browser.http.get(base, params={"state": "made-up-" + "x" * 40, "code": "abc"}).status_code == 400
    assert browser.http.get(base, params={"code": "abc"}).status_code == 400
    # A real callback URL, opened in another browser (login CSRF): refused, and spent.
    callback = browser.to_callback(providers[0])
    elsewhere = httpx.get(callback)
    assert elsewhere.status_code == 403 and "another browser" in elsewhere.text
    assert browser.http.get(callback).status_code == 400


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        ({"nonce": "a-nonce-of-another-sign-in"}, "nonce"),
        ({"aud": "some-other-client"}, "another application"),
        ({"aud": ["usersvc-client", "other"], "azp": "other"}, "another application"),
        ({"iss": "http://127.0.0.1:1/evil"}, "another provider"),
        ({"exp": 1_000_000}, "expired"),
        ({"key": "other"}, "not valid"),
        ({"nonce": None}, "nonce"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(stack, stub, providers, fresh_user, tamper, words):
    stub.tamper = tamper
    browser = ProviderBrowser(stack.base_url)
    refused = browser.sign_in(providers[0])
    assert refused.status_code == 403 and words in refused.text, refused.text[:500]
    assert "login_code" not in refused.headers.get("location", "")


def test_a_replayed_id_token_nonce_is_refused(stack, stub, providers, fresh_user):
    """The provider answers a second sign-in with the first one's nonce (an ID token replayed)."""
    browser = ProviderBrowser(stack.base_url)
    first = browser.to_callback(providers[0])
    first_nonce = stub.requests[-1]["nonce"]
    assert browser.http.get(first).status_code == 302
    stub.tamper = {"nonce": first_nonce}
    refused = browser.sign_in(providers[0])
    assert refused.status_code == 403 and "nonce" in refused.text


def test_an_unverified_address_matching_an_admins_takes_nothing_over(stack, stub, providers, admin, fresh_user):
    stub.next_user = {**fresh_user, "email": "root@example.com", "email_verified": False}
    browser = ProviderBrowser(stack.base_url)
    code = browser.login_code(providers[0])
    refused = browser.exchange(code)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "IDENTITY_LINK_REQUIRED"
    # Even the right password cannot link an address the provider does not vouch for.
    linked = browser.http.post(
        f"{stack.base_url}/v1/auth/identities/link", json={"login_code": code, "password": ADMIN_PASSWORD}
    )
    assert linked.status_code == 403, linked.text
    assert admin.get("/v1/auth/identities").json()["data"] == []
    assert _rows(stack, 'SELECT 1 FROM "user_identities" WHERE "subject" = $1', fresh_user["sub"]) == []


def test_a_provider_changing_a_linked_subjects_address_changes_no_account(
    stack, stub, providers, make_user, fresh_user
):
    browser = ProviderBrowser(stack.base_url)
    first = browser.exchange(browser.login_code(providers[0])).json()["user"]
    victim, _ = make_user()
    stub.next_user = {**fresh_user, "email": victim["email"], "email_verified": True}
    again = browser.exchange(browser.login_code(providers[0]))
    assert again.status_code == 200, again.text
    assert again.json()["user"]["id"] == first["id"] and again.json()["user"]["email"] == first["email"]
    me = Api(stack.base_url, again.json()["access_token"])
    assert me.get("/v1/auth/identities").json()["data"][0]["email"] == victim["email"]  # recorded, not acted on


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example/",
        "//evil.example/x",
        "http://127.0.0.1:1/elsewhere",
        "{base}@evil.example/",
        "{base}.evil.example/",
        "javascript:alert(1)",
        "/admin/\\evil",
        "",
    ],
)
def test_return_to_outside_this_service_is_refused(stack, providers, return_to):
    target = return_to.replace("{base}", stack.base_url)
    answer = httpx.get(f"{stack.base_url}/v1/auth/providers/{providers[0]}/start", params={"return_to": target})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "MALFORMED_REQUEST"


def test_return_to_may_be_a_registered_clients_redirect_uri_exactly(stack, providers, register_client):
    client = register_client(redirect_uris=["https://rp.example.com/after-sign-in"])
    start = f"{stack.base_url}/v1/auth/providers/{providers[0]}/start"
    assert httpx.get(start, params={"return_to": client.redirect_uri}).status_code == 302
    assert httpx.get(start, params={"return_to": client.redirect_uri + "x"}).status_code == 400
    assert httpx.get(start, params={"return_to": "https://rp.example.com/"}).status_code == 400


# --- the OpenID provider's sign-in page ----------------------------------------------


def test_continue_with_a_provider_on_the_sign_in_page_ends_at_the_client(stack, providers, register_client, fresh_user):
    client = register_client(first_party=True)
    browser = Browser(stack)
    params = authorization_params(client)
    page = browser.authorize(**params)
    assert page.status_code == 200 and "Continue with Stub OIDC" in page.text
    link = next(
        line.split('href="')[1].split('"')[0].replace("&amp;", "&")
        for line in page.text.splitlines()
        if f"/providers/{providers[0]}/start" in line
    )
    started = browser.http.get(link)
    back = browser.http.get(browser.http.get(started.headers["location"]).headers["location"])
    assert back.headers["location"].startswith(f"{stack.base_url}/oauth/authorize?")
    answer = browser.http.get(back.headers["location"])
    response = query_of(answer)
    assert response["state"] == params["state"] and response["code"], response


# --- a second usersvc as the upstream OpenID provider ----------------------------------


@pytest.fixture(scope="module")
def upstream_usersvc(mailbox):
    with running_stack(mailbox, name="upstream-") as upstream:
        yield upstream


def test_signing_in_with_another_usersvc_as_the_openid_provider(stack, admin, upstream_usersvc, fresh_user):
    slug = f"usersvc-{uuid.uuid4().hex[:6]}"
    callback = f"{stack.base_url}/v1/auth/providers/{slug}/callback"
    upstream_admin = login(upstream_usersvc.base_url, ADMIN_PASSWORD, username="root")
    with_client = register_client_with(
        upstream_admin, redirect_uris=[callback], first_party=True, scopes=["openid", "profile", "email"]
    )
    created = admin.post(
        "/v1/identity-providers",
        json={
            "slug": slug,
            "name": "Upstream usersvc",
            "kind": "oidc",
            "issuer": upstream_usersvc.base_url,
            "client_id": with_client.client_id,
            "client_secret": with_client.client_secret,
            "creates_accounts": True,
            "trusts_email_verified": True,
        },
    )
    assert created.status_code == 201 and created.json()["callback_url"] == callback, created.text
    name = f"up_{uuid.uuid4().hex[:10]}"
    made = upstream_admin.post(
        "/v1/users",
        json={
            "username": name,
            "email": f"{name}@upstream.example.com",
            "password": USER_PASSWORD,
            "first_name": "Up",
            "last_name": "Stream",
        },
    )
    assert made.status_code == 201, made.text
    browser = ProviderBrowser(stack.base_url)
    started = browser.start(slug)
    page = browser.http.get(started.headers["location"])
    assert page.status_code == 200, page.text[:300]
    form = form_of(page)
    signed_in = browser.http.post(
        f"{upstream_usersvc.base_url}{form.action}", data={**form.fields, "identifier": name, "password": USER_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.headers["location"].startswith(callback), signed_in.text[:300]
    back = browser.http.get(signed_in.headers["location"])
    answer = browser.exchange(location_query(back)["login_code"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["email"] == f"{name}@upstream.example.com"
    assert answer.json()["user"]["email_verified"] is False  # not verified upstream
    me = Api(stack.base_url, answer.json()["access_token"])
    (identity,) = me.get("/v1/auth/identities").json()["data"]
    assert identity["subject"] == made.json()["id"]


def test_the_cli_keeps_providers_as_the_api_does(stack, admin, stub):
    slug = f"cli-{uuid.uuid4().hex[:6]}"

    def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "usersvc.cli", "providers", *args],
            env={**stack.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    added = cli(
        "add", slug, "--kind", "oauth2", "--name", "From the CLI",
        "--authorization-endpoint", f"{stub.base}/github/authorize",
        "--token-endpoint", f"{stub.base}/github/token",
        "--userinfo-endpoint", f"{stub.base}/github/user",
        "--client-id", "cli-client", "--claim", "subject=id", "--claim", "username=login",
        "--client-secret-from-env", USERSVC_PROVIDER_CLIENT_SECRET="from-the-environment",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["claims"]["subject"] == "id" and "from-the-environment" not in added.stdout
    assert slug in cli("list").stdout
    assert admin.get(f"/v1/identity-providers/{slug}").json()["name"] == "From the CLI"
    assert cli("update", slug, "--enabled", "no").returncode == 0
    # An OAuth 2 provider sends no ID token, so no amr to trust.
    refused = cli("update", slug, "--trusts-amr-second-factor", "yes")
    assert refused.returncode != 0 and "no ID token" in refused.stderr, refused.stderr
    assert admin.get(f"/v1/identity-providers/{slug}").json()["enabled"] is False
    assert cli("remove", slug).returncode == 0
    assert "NOT_FOUND" in cli("show", slug).stderr
    actions = {row["action"] for row in admin.get("/v1/audit-logs", params={"entity_id": slug}).json()["data"]}
    assert actions == {"identity_provider.create", "identity_provider.update", "identity_provider.delete"}
