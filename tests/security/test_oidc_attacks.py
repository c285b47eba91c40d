"""Attacks on the OpenID provider, each against the running stack: code replay (also
concurrent), PKCE downgrade, redirect-URI tricks, CSRF on the pages, mix-up, one client's
code or token used by another, and prompt=none probing from an unregistered origin."""

import concurrent.futures

import httpx
import pytest

from tests.integration.oidc import Browser, authorization_params, exchange, pkce_pair, query_of, signed_in_code
from tests.support import USER_PASSWORD


def _userinfo(stack, access_token: str) -> int:
    return httpx.get(
        f"{stack.base_url}/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}
    ).status_code


def test_a_code_works_once_and_its_replay_revokes_what_it_issued(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user)
    first = exchange(stack, client, response["code"])
    assert first.status_code == 200
    replay = exchange(stack, client, response["code"])
    assert replay.status_code == 400 and replay.json() == {
        "error": "invalid_grant",
        "error_description": replay.json()["error_description"],
    }
    assert _userinfo(stack, first.json()["access_token"]) == 401
    refresh = httpx.post(
        f"{stack.base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        auth=client.auth(),
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_concurrent_exchanges_of_one_code_give_one_token(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    for _ in range(3):
        response, _, _ = signed_in_code(stack, client, user)
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: exchange(stack, client, response["code"]), range(4)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 400, 400, 400], [answer.text for answer in answers]


def test_pkce_is_required_of_public_clients_and_cannot_be_downgraded(stack, register_client, make_user):
    public = register_client(type="public", first_party=True)
    confidential = register_client(first_party=True)
    user, _ = make_user()
    browser = Browser(stack)
    missing = query_of(browser.authorize(**authorization_params(public)))
    assert missing["error"] == "invalid_request" and "iss" in missing
    verifier, challenge = pkce_pair()
    plain = query_of(
        browser.authorize(**authorization_params(public, code_challenge=verifier, code_challenge_method="plain"))
    )
    assert plain["error"] == "invalid_request"
    no_method = query_of(browser.authorize(**authorization_params(public, code_challenge=challenge)))
    assert no_method["error"] == "invalid_request"  # RFC 7636's default method is plain
    response, _, _ = signed_in_code(stack, public, user, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(stack, public, response["code"], verifier=pkce_pair()[0])
    assert wrong.json()["error"] == "invalid_grant"
    response, _, _ = signed_in_code(stack, public, user, code_challenge=challenge, code_challenge_method="S256")
    without = exchange(stack, public, response["code"])
    assert without.json()["error"] == "invalid_grant"
    response, _, _ = signed_in_code(stack, public, user, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(stack, public, response["code"], verifier=verifier).status_code == 200
    # A verifier for a code issued without a challenge: the downgrade RFC 9700 §2.1.1 forbids.
    response, _, _ = signed_in_code(stack, confidential, user)
    downgraded = exchange(stack, confidential, response["code"], verifier=verifier)
    assert downgraded.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://rp.example.com/callback.evil",  # suffix
        "https://rp.example.com/call",  # prefix
        "https://rp.example.com/callback/../evil",  # path traversal
        "https://rp.example.com:8443/callback",  # another port
        "https://attacker@rp.example.com/callback",  # userinfo part
        "https://rp.example.com.evil.example/callback",  # another host
        "https://rp.example.com/callback?extra=1",  # another query
        "https://rp.example.com/callback#fragment",
        "http://rp.example.com/callback",  # another scheme
        'https://rp.example.com/callback"><script>',
        "https://rp.example.com/callbäck",
    ],
)
def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(stack, register_client, redirect_uri):
    client = register_client(first_party=True)
    for prompt in ({}, {"prompt": "none"}):  # probing a sign-in state gets the same page
        answer = Browser(stack).authorize(**authorization_params(client, redirect_uri=redirect_uri, **prompt))
        assert answer.status_code == 400 and "location" not in answer.headers
        assert "text/html" in answer.headers["content-type"]
        assert "<script>" not in answer.text


def test_an_unknown_client_gets_an_error_page(stack):
    answer = Browser(stack).authorize(
        response_type="code", client_id="nobody", redirect_uri="https://rp.example.com/callback", scope="openid"
    )
    assert answer.status_code == 400 and "location" not in answer.headers


def test_loopback_redirects_match_any_port(stack, register_client, make_user):
    client = register_client(type="public", first_party=True, redirect_uris=["http://127.0.0.1/callback"])
    client.redirect_uri = "http://127.0.0.1:53117/callback"
    user, _ = make_user()
    verifier, challenge = pkce_pair()
    response, _, _ = signed_in_code(stack, client, user, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(stack, client, response["code"], verifier=verifier).status_code == 200
    other_path = Browser(stack).authorize(**authorization_params(client, redirect_uri="http://127.0.0.1:9/other"))
    assert other_path.status_code == 400


def test_a_code_or_refresh_token_of_one_client_is_refused_to_another(stack, register_client, make_user):
    first, second = register_client(first_party=True), register_client(first_party=True)
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, first, user)
    stolen = exchange(stack, second, response["code"], redirect_uri=first.redirect_uri)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    response, _, _ = signed_in_code(stack, first, user)
    tokens = exchange(stack, first, response["code"]).json()
    refresh = httpx.post(
        f"{stack.base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=second.auth(),
    )
    assert refresh.json()["error"] == "invalid_grant"
    assert _userinfo(stack, tokens["access_token"]) == 200  # the rightful client's grant is untouched


def test_a_code_is_bound_to_its_redirect_uri(stack, register_client, make_user):
    client = register_client(
        first_party=True, redirect_uris=["https://rp.example.com/callback", "https://rp.example.com/b"]
    )
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user)
    moved = exchange(stack, client, response["code"], redirect_uri="https://rp.example.com/b")
    assert moved.json()["error"] == "invalid_grant"


def test_the_pages_refuse_forged_forms_and_framing(stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    browser = Browser(stack)
    page = browser.authorize(**authorization_params(client))
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    cross_site = browser.http.post(
        "/oauth/authorize/sign-in",
        data={**Browser.form_fields(page), "identifier": user["username"], "password": USER_PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403 and "usersvc_session" not in cross_site.headers.get("set-cookie", "")
    stranger = Browser(stack)  # no CSRF cookie of its own: the token it copied is worthless
    forged = stranger.http.post(
        "/oauth/authorize/sign-in",
        data={**Browser.form_fields(page), "identifier": user["username"], "password": USER_PASSWORD},
    )
    assert forged.status_code == 403
    assert browser.sign_in(page, user["username"], USER_PASSWORD).status_code == 302


def test_every_authorization_response_names_the_issuer(stack, register_client, make_user, discovery):
    """Mix-up defence (RFC 9207): codes and errors alike carry iss."""
    client = register_client(first_party=True)
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user)
    assert response["iss"] == discovery["issuer"]
    error = query_of(Browser(stack).authorize(**authorization_params(client, response_type="token")))
    assert error["error"] == "unsupported_response_type" and error["iss"] == discovery["issuer"]


def test_a_deleted_clients_tokens_and_grants_stop_at_once(stack, admin, register_client, make_user):
    client = register_client(
        first_party=True, grant_types=["authorization_code", "refresh_token", "client_credentials"]
    )
    user, _ = make_user()
    response, browser, _ = signed_in_code(stack, client, user)
    tokens = exchange(stack, client, response["code"]).json()
    own = httpx.post(f"{stack.base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=client.auth())
    pending, _, _ = signed_in_code(stack, client, user, browser=browser)
    assert admin.delete(f"/v1/oauth/clients/{client.client_id}").status_code == 204
    assert _userinfo(stack, tokens["access_token"]) == 401
    refresh = httpx.post(
        f"{stack.base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=client.auth(),
    )
    assert refresh.status_code == 401 and refresh.json()["error"] == "invalid_client"
    assert exchange(stack, client, pending["code"]).status_code == 401
    introspected = httpx.post(
        f"{stack.base_url}/oauth/introspect", data={"token": own.json()["access_token"]}, auth=client.auth()
    )
    assert introspected.status_code == 401  # the client itself is gone
    again = Browser(stack).authorize(**authorization_params(client))
    assert again.status_code == 400 and "location" not in again.headers
