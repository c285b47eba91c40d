"""The admin console at /admin: a strict CSP on every answer, no way out of its folder, and
no token left behind in the browser's storage."""

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page

from tests.console.browser import sign_in_as_admin

CONSOLE = Path(__file__).resolve().parents[2] / "edge" / "console"
REQUIRED_POLICY = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "connect-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'none'"},
}
# Text of files outside the console's folder that a traversal would be after.
SECRETS_OF_THE_HOST = ("[build-system]", "root:x:", "def create_app", "Permission is hereby granted")


def policy_of(response: httpx.Response) -> dict[str, set[str]]:
    header = response.headers.get("content-security-policy")
    assert header, f"{response.request.url} has no Content-Security-Policy"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: set(sources) for name, *sources in directives}


def asset_version(stack) -> str:
    return re.search(r"/admin/assets/([0-9a-f]{16})/", httpx.get(f"{stack.base_url}/admin").text).group(1)


def raw_get(base_url: str, path: str) -> tuple[int, str]:
    """The path exactly as written: no client normalises `..` or decodes `%2e` on the way."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        connection.close()


def test_every_answer_under_admin_carries_the_strict_policy(stack):
    version = asset_version(stack)
    for path in (
        "/admin",
        "/admin/",
        f"/admin/assets/{version}/js/main.js",
        f"/admin/assets/{version}/console.css",
        "/admin/no-such-page",
        f"/admin/assets/{version}/no-such-file.js",
    ):
        response = httpx.get(f"{stack.base_url}{path}")
        policy = policy_of(response)
        for directive, sources in REQUIRED_POLICY.items():
            assert policy.get(directive) == sources, (path, directive, policy.get(directive))
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set().union(*policy.values()), path
        assert response.headers["x-frame-options"] == "DENY"


def test_the_page_has_no_inline_script_or_style_for_the_policy_to_allow(stack):
    html = httpx.get(f"{stack.base_url}/admin").text
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert "<style" not in html and " style=" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/admin/../pyproject.toml",
        "/admin/%2e%2e/pyproject.toml",
        "/admin/assets/{version}/../../../pyproject.toml",
        "/admin/assets/{version}/../../routes/console.py",
        "/admin/assets/{version}/%2e%2e/%2e%2e/routes/console.py",
        "/admin/assets/{version}/..%2f..%2f..%2fpyproject.toml",
        "/admin/assets/{version}/js/..%5c..%5cindex.html",
        "/admin/assets/{version}//etc/passwd",
        "/admin/assets/{version}/%2fetc%2fpasswd",
        "/admin/assets/x/../../../../../../etc/passwd",
        "/admin/assets/{version}/vendor/uqr-0.1.3/LICENSE",  # in the folder, but not a type the console serves
    ],
)
def test_no_path_reaches_outside_the_consoles_files(stack, path):
    status, body = raw_get(stack.base_url, path.format(version=asset_version(stack)))
    assert status == 404
    assert not any(secret in body for secret in SECRETS_OF_THE_HOST)


def test_the_consoles_code_never_touches_storage_or_writes_html(stack):
    """The rules the CSP cannot enforce, checked in the source (comments left out)."""
    forbidden = re.compile(
        r"localStorage|sessionStorage|document\.cookie|indexedDB|innerHTML|outerHTML|"
        r"insertAdjacentHTML|\beval\(|new Function|\.style\b"
    )
    for path in CONSOLE.rglob("*.*js"):
        code = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("//"))
        assert not forbidden.search(code), (path, forbidden.search(code).group())


def test_no_token_is_left_in_browser_storage_after_sign_in_and_refresh(stack, page: Page):
    page.clock.install()
    with page.expect_response("**/v1/auth/login") as login:
        sign_in_as_admin(page)
    with page.expect_response("**/v1/auth/refresh") as refresh:
        page.clock.fast_forward("14:30")
    tokens = [login.value.json()[name] for name in ("access_token", "refresh_token")]
    tokens += [refresh.value.json()[name] for name in ("access_token", "refresh_token")]
    stored = page.evaluate("""async () => ({
        local: Object.entries(localStorage), session: Object.entries(sessionStorage), cookie: document.cookie,
        databases: (await indexedDB.databases()).map((database) => database.name),
        caches: self.caches ? await caches.keys() : [],
    })""")
    assert stored == {"local": [], "session": [], "cookie": "", "databases": [], "caches": []}
    assert page.context.cookies() == []
    everything = repr(page.context.storage_state())
    assert not any(token in everything for token in tokens)
