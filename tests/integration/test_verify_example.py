"""examples/verify_token.py, run as another service would run it, against the live stack."""

import ast
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import new_user_tokens

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "verify_token.py"


def _verify(stack, token: str, *, issuer: str, audience: str = "usersvc") -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--jwks-url",
            f"{stack.base_url}/.well-known/jwks.json",
            "--issuer",
            issuer,
            "--audience",
            audience,
            token,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_example_needs_nothing_but_pyjwt():
    imported = set()
    for node in ast.walk(ast.parse(EXAMPLE.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"argparse", "json", "sys", "jwt"}


def test_the_example_accepts_a_usersvc_token_and_refuses_a_tampered_or_misaddressed_one(stack, admin):
    tokens = new_user_tokens(stack, admin)
    user, token = tokens["user"], tokens["access_token"]
    issuer = httpx.get(f"{stack.base_url}/.well-known/openid-configuration").json()["issuer"]
    accepted = _verify(stack, token, issuer=issuer)
    assert accepted.returncode == 0, accepted.stderr
    assert f'"sub": "{user["id"]}"' in accepted.stdout
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    for refused in (
        _verify(stack, tampered, issuer=issuer),
        _verify(stack, token, issuer="https://evil.example"),
        _verify(stack, token, issuer=issuer, audience="another-service"),
    ):
        assert refused.returncode == 1 and refused.stderr.startswith("refused:"), refused.stderr
