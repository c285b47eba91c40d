"""/docs: Swagger UI served from the package itself, nothing loaded from another origin, under
a strict Content-Security-Policy with no inline script, and it still renders."""

import base64
import hashlib
import re
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Page, expect

from tests.console.test_hardening import policy_of

REQUIRED_POLICY = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "connect-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'none'"},
}


def _references(html: str) -> list[tuple[str, str, str | None]]:
    """(tag, URL, integrity) of every script and stylesheet the page loads."""
    found = []
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", html):
        url = re.search(r'\b(?:src|href)="([^"]*)"', tag)
        if url:
            integrity = re.search(r'\bintegrity="([^"]*)"', tag)
            found.append((tag, url.group(1), integrity.group(1) if integrity else None))
    return found


def test_the_docs_page_and_everything_it_loads_come_from_this_origin_under_the_policy(stack):
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        for name, sources in REQUIRED_POLICY.items():
            assert policy_of(page).get(name) == sources, name
        assert "unsafe" not in page.headers["content-security-policy"]
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", page.text), "an inline script"
        references = _references(page.text)
        assert len(references) == 3  # Swagger UI's stylesheet and bundle, and our initialiser
        for tag, url, integrity in references:
            assert url.startswith("/docs/assets/") and not url.startswith("//"), tag
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert policy_of(asset).get("default-src") == {"'none'"}, url
            digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
            assert integrity == f"sha384-{digest}", url
        assert "cdn" not in page.text and "https://" not in page.text
        assert client.get("/docs/assets/../pyproject.toml").status_code == 404
        assert client.get("/docs/assets/vendor/nothing-here.js").status_code == 404


def test_swagger_ui_renders_the_api_with_no_policy_violation(page: Page, stack):
    """The page fixture fails the test on any CSP violation or uncaught script error."""
    origins = set()
    page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("usersvc")
    expect(page.locator(".opblock-summary-path", has_text="/v1/users").first).to_be_visible()
    page.locator(".opblock-summary", has_text="/health").first.click()  # expands, renders schemas
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    assert origins == {urlsplit(stack.base_url).netloc}
