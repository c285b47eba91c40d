"""Schemathesis against the live stack: every operation, generated inputs, every check —
response schema conformance included. (Its command line, not its pytest plugin: the plugin
does not support this pytest.)"""

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import ADMIN_PASSWORD

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ROOT = Path(__file__).resolve().parents[2]


def test_the_api_conforms_to_its_document(stack, tmp_path):
    token = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": "root", "password": ADMIN_PASSWORD}, timeout=30
    ).json()["access_token"]
    command = [
        str(SCHEMATHESIS if SCHEMATHESIS.exists() else shutil.which("schemathesis")),
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        f"{stack.base_url}/docs/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "12",
        "--header",
        f"Authorization: Bearer {token}",
        # Generated calls must not end the session the others use.
        "--exclude-operation-id",
        "auth.logout",
        "--generation-deterministic",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
