"""Driving a sign-in through another provider the way a browser does (cookies kept,
redirects followed by hand), for the identity-brokering tests."""

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.integration.upstream_stub import CLIENT_ID, CLIENT_SECRET, UpstreamStub
from tests.support import Api


def location_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, f"{response.status_code}: {response.text[:300]}"
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def add_stub_providers(admin: Api, stub: UpstreamStub, **overrides) -> tuple[str, str]:
    """An OIDC and a GitHub-style provider on the stub; their slugs."""
    tag = uuid.uuid4().hex[:6]
    oidc, github = f"stub-oidc-{tag}", f"stub-gh-{tag}"
    created = admin.post(
        "/v1/identity-providers",
        json={
            "slug": oidc,
            "name": f"Stub OIDC {tag}",
            "kind": "oidc",
            "issuer": stub.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": ["openid", "email", "profile"],
            "creates_accounts": True,
            "trusts_email_verified": True,
            **overrides,
        },
    )
    assert created.status_code == 201, created.text
    created = admin.post(
        "/v1/identity-providers",
        json={
            "slug": github,
            "name": f"Stub GitHub {tag}",
            "kind": "oauth2",
            "authorization_endpoint": f"{stub.base}/github/authorize",
            "token_endpoint": f"{stub.base}/github/token",
            "userinfo_endpoint": f"{stub.base}/github/user",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": ["read:user", "user:email"],
            "claims": {
                "subject": "id",
                "email": "email",
                "email_verified": None,
                "username": "login",
                "first_name": "name",
                "last_name": None,
            },
            "creates_accounts": True,
            **overrides,
        },
    )
    assert created.status_code == 201, created.text
    return oidc, github


class ProviderBrowser:
    """One browser: its cookies (the binding cookie among them) go with every request."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(timeout=30, follow_redirects=False)

    def start(self, slug: str, return_to: str | None = None) -> httpx.Response:
        return self.http.get(
            f"{self.base_url}/v1/auth/providers/{slug}/start",
            params={"return_to": return_to or f"{self.base_url}/admin/"},
        )

    def to_callback(self, slug: str, return_to: str | None = None) -> str:
        """Start, and let the stub answer: the callback URL the provider sends back."""
        started = self.start(slug, return_to)
        assert started.status_code == 302, started.text
        at_provider = self.http.get(started.headers["location"])
        assert at_provider.status_code == 302, at_provider.text
        return at_provider.headers["location"]

    def sign_in(self, slug: str, return_to: str | None = None) -> httpx.Response:
        """The callback's answer (302 to return_to with a login code, or a refusal page)."""
        return self.http.get(self.to_callback(slug, return_to))

    def login_code(self, slug: str, return_to: str | None = None) -> str:
        return location_query(self.sign_in(slug, return_to))["login_code"]

    def exchange(self, code: str) -> httpx.Response:
        return self.http.post(f"{self.base_url}/v1/auth/providers/exchange", json={"login_code": code})
