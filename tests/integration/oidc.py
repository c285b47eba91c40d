"""A relying party and a browser without JavaScript, for the OpenID provider's tests.

`Browser` follows usersvc's pages as a person would: it reads each page's form (hidden
fields included) and submits it, keeping cookies; it never follows a redirect to the
client, so a test sees the authorization response itself.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.support import USER_PASSWORD, Api, Stack

REDIRECT_URI = "https://rp.example.com/callback"


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)  # name → value of submit buttons
    autocomplete: dict[str, str] = field(default_factory=dict)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=values.get("action", "")))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1].fields[values["name"]] = values.get("value", "")
            if "autocomplete" in values:
                self.forms[-1].autocomplete[values["name"]] = values["autocomplete"]
        elif tag == "button" and self.forms and "name" in values:
            self.forms[-1].buttons[values["name"]] = values.get("value", "")


def form_of(page: httpx.Response) -> Form:
    reader = _FormReader()
    reader.feed(page.text)
    assert reader.forms, f"no form on the page ({page.status_code}): {page.text[:500]}"
    return reader.forms[0]


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(response: httpx.Response) -> dict[str, str]:
    """The parameters of a redirect's Location."""
    assert response.status_code in (302, 303), f"{response.status_code}: {response.text[:500]}"
    return {name: values[0] for name, values in parse_qs(urlsplit(response.headers["location"]).query).items()}


class Browser:
    def __init__(self, stack: Stack) -> None:
        self.http = httpx.Client(base_url=stack.base_url, timeout=30, follow_redirects=False)

    def authorize(self, **params: str) -> httpx.Response:
        return self.http.get(f"/oauth/authorize?{urlencode(params)}")

    def submit(self, page: httpx.Response, **values: str) -> httpx.Response:
        form = form_of(page)
        return self.http.post(form.action, data={**form.fields, **values})

    @staticmethod
    def form_fields(page: httpx.Response) -> dict[str, str]:
        return form_of(page).fields

    def sign_in(self, page: httpx.Response, identifier: str, password: str) -> httpx.Response:
        assert page.status_code == 200 and 'autocomplete="current-password"' in page.text, page.text[:500]
        return self.submit(page, identifier=identifier, password=password)


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str | None
    redirect_uri: str = REDIRECT_URI

    def auth(self) -> tuple[str, str]:
        assert self.client_secret is not None
        return self.client_id, self.client_secret


def authorization_params(client: RegisteredClient, **overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": "openid profile email offline_access",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        **overrides,
    }


def register_client_with(admin: Api, **fields: object) -> RegisteredClient:
    """A client registered through POST /v1/oauth/clients (the admin's), with test defaults."""
    body = {
        "name": "Test app",
        "type": "confidential",
        "first_party": False,
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": ["https://rp.example.com/signed-out"],
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile", "email", "offline_access", "users:read"],
        **fields,
    }
    response = admin.post("/v1/oauth/clients", json=body)
    assert response.status_code == 201, response.text
    client = response.json()
    return RegisteredClient(
        client_id=client["client_id"], client_secret=client.get("client_secret"), redirect_uri=body["redirect_uris"][0]
    )


def signed_in_code(stack, client, user, *, browser=None, **overrides) -> tuple[dict, Browser, dict]:
    """(the authorization response's parameters, the browser, the request's parameters)."""
    browser = browser or Browser(stack)
    params = authorization_params(client, **overrides)
    page = browser.authorize(**params)
    # Signed in already (single sign-on): the answer comes at once.
    answer = page if page.status_code == 302 else browser.sign_in(page, user["username"], USER_PASSWORD)
    if answer.status_code == 200 and "consent" in answer.text and 'value="allow"' in answer.text:
        answer = browser.submit(answer, consent="allow")
    return query_of(answer), browser, params


def exchange(stack, client, code, *, verifier=None, redirect_uri=None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri or client.redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    auth = client.auth() if client.client_secret else None
    if auth is None:
        data["client_id"] = client.client_id
    return httpx.post(f"{stack.base_url}/oauth/token", data=data, auth=auth, timeout=30)
