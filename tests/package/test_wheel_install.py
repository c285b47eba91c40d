"""Installed as a user installs it: a wheel in a fresh virtualenv, run outside the checkout."""

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support import database

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ("migrate", "edge", "worker", "run", "create-admin")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, installed with the locked dependencies."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(ROOT)], check=True, timeout=300
    )
    [wheel] = work.glob("usersvc-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "--require-hashes", "--no-deps", "-r", str(ROOT / "requirements.lock")], check=True, timeout=600
    )
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, timeout=300)
    return venv / "bin" / "usersvc"


def _files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def test_the_wheel_holds_one_namespace_and_its_migrations(installed):
    site = next(installed.parent.parent.glob("lib/python*/site-packages"))
    assert {path.name for path in site.iterdir()} & {"domain", "edge", "workers", "migrations"} == set()
    assert list((site / "usersvc" / "migrations" / "models").glob("0_*.py"))


def test_the_wheel_holds_every_file_of_the_admin_console(installed):
    """Package data is listed by glob in pyproject.toml: a file the globs miss is caught here."""
    site = next(installed.parent.parent.glob("lib/python*/site-packages"))
    shipped = _files(site / "usersvc" / "edge" / "console")
    assert _files(ROOT / "edge" / "console") == shipped
    assert {"index.html", "js/main.js", "vendor/uqr-0.1.3/index.mjs", "vendor/uqr-0.1.3/LICENSE"} <= shipped


def test_the_wheel_holds_the_api_docs_page_and_its_swagger_ui(installed):
    """/docs loads nothing from another origin, so every file it serves must be in the wheel."""
    site = next(installed.parent.parent.glob("lib/python*/site-packages"))
    shipped = _files(site / "usersvc" / "edge" / "api_docs")
    assert _files(ROOT / "edge" / "api_docs") == shipped
    swagger_ui = "vendor/swagger-ui-dist-5.32.0"
    assert {
        "docs.js",
        f"{swagger_ui}/swagger-ui-bundle.js",
        f"{swagger_ui}/swagger-ui.css",
        f"{swagger_ui}/LICENSE",
    } <= shipped


def test_help_lists_every_subcommand(installed, tmp_path):
    result = subprocess.run([str(installed), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert name in result.stdout


def test_migrate_outside_the_checkout_creates_the_schema(installed, tmp_path):
    database_name = f"usersvc_wheel_{uuid.uuid4().hex[:8]}"
    url = f"postgres://postgres@127.0.0.1:5432/{database_name}"
    environment = {"PATH": "/usr/bin:/bin", "ENVIRONMENT": "development", "DATABASE_URL": url}
    try:
        result = subprocess.run(
            [str(installed), "migrate"], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert {"users", "user_sessions", "audit_logs"} <= asyncio.run(_tables(url))
    finally:
        asyncio.run(_drop(database_name))


async def _tables(url: str) -> set[str]:
    async with database(url) as connection:
        return {
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }


async def _drop(name: str) -> None:
    async with database("postgres://postgres@127.0.0.1:5432/postgres") as connection:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_installed_edge_and_workers_build_from_the_wheel_alone(installed, tmp_path):
    """Every module and data file the edge and the workers load at start is in the wheel: the
    GraphQL package, the provider pages' templates, script and stylesheet, the mail templates."""
    site = next(installed.parent.parent.glob("lib/python*/site-packages"))
    assert _files(ROOT / "edge" / "provider_templates") == _files(site / "usersvc" / "edge" / "provider_templates")
    build = (
        "from usersvc.settings import Settings\n"
        "from usersvc.edge.app import create_app\n"
        "import usersvc.workers.app\n"
        "create_app(Settings(environment='development', _env_file=None), name='wheel_check')\n"
        "print('built')\n"
    )
    python = installed.parent / "python"
    result = subprocess.run(
        [str(python), "-c", build],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "built" in result.stdout, result.stderr[-2000:]
