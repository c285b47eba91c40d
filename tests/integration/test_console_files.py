"""How the edge serves the admin console's files: types, caching, versions."""

import re

import httpx

from usersvc.edge.routes.console import load_console_files

TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def test_the_page_names_versioned_assets_and_is_revalidated_every_time(stack):
    page = httpx.get(f"{stack.base_url}/admin")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assets = re.findall(r'(?:href|src)="(/admin/assets/[0-9a-f]{16}/[^"]+)"', page.text)
    assert {"console.css", "js/main.js", "js/session.js", "js/views/users.js"} <= {a.split("/", 4)[4] for a in assets}
    assert httpx.get(f"{stack.base_url}/admin/").text == page.text


def test_versioned_assets_are_cached_for_good_with_their_own_types(stack):
    page = httpx.get(f"{stack.base_url}/admin").text
    for path in set(re.findall(r'"(/admin/assets/[0-9a-f]{16}/[^"]+)"', page)):
        answer = httpx.get(f"{stack.base_url}{path}")
        assert answer.status_code == 200, path
        assert answer.headers["content-type"] == TYPES[path[path.rindex(".") :]], path
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable", path


def test_an_asset_asked_for_under_an_old_version_is_served_but_not_cached(stack):
    answer = httpx.get(f"{stack.base_url}/admin/assets/0000000000000000/js/main.js")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-cache"


def test_the_vendored_qr_library_is_served_but_not_its_licence_or_notes(stack):
    version = re.search(r"/admin/assets/([0-9a-f]{16})/", httpx.get(f"{stack.base_url}/admin").text).group(1)
    base = f"{stack.base_url}/admin/assets/{version}/vendor"
    assert httpx.get(f"{base}/uqr-0.1.3/index.mjs").headers["content-type"] == TYPES[".mjs"]
    assert httpx.get(f"{base}/uqr-0.1.3/LICENSE").status_code == 404
    assert httpx.get(f"{base}/README.md").status_code == 404


def test_the_version_changes_with_any_file_and_hidden_or_unknown_files_are_left_out(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text(
        '<script type="module" src="{{assets}}/js/main.js"></script>{{module_preloads}}'
    )
    (tmp_path / "js" / "main.js").write_text("export const answer = 42;\n")
    (tmp_path / "js" / ".draft.js").write_text("secret\n")
    (tmp_path / "notes.txt").write_text("not served\n")
    before = load_console_files(tmp_path)
    assert set(before.assets) == {"js/main.js"}
    assert before.index.decode() == (
        f'<script type="module" src="/admin/assets/{before.version}/js/main.js"></script>'
        f'<link rel="modulepreload" href="/admin/assets/{before.version}/js/main.js">'
    )
    (tmp_path / "js" / "main.js").write_text("export const answer = 43;\n")
    assert load_console_files(tmp_path).version != before.version
