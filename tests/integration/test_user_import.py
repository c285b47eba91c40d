"""`usersvc import FILE`: users with bcrypt, argon2 and PBKDF2-SHA256 hashes from another system."""

import asyncio
import json
import subprocess
import sys
import uuid

from passlib.hash import argon2, bcrypt, pbkdf2_sha256

from tests.integration.authenticator import password_step
from tests.support import database

OLD_PASSWORDS = {"bcrypt": "Bcr!ypt-old1", "argon2": "Arg!on2-old1", "pbkdf2": "Pbk!df2-old1"}
# Looked up on each call: passlib swaps in argon2's real backend on first use.
HASHES = {
    "bcrypt": lambda password: bcrypt.using(rounds=5).hash(password),
    "argon2": lambda password: argon2.hash(password),
    "pbkdf2": lambda password: pbkdf2_sha256.hash(password),
}


def _person(scheme: str) -> dict:
    name = f"imp_{scheme}_{uuid.uuid4().hex[:8]}"
    return {
        "username": name,
        "email": f"{name}@Example.com",
        "first_name": "Old",
        "last_name": "System",
        "password_hash": HASHES[scheme](OLD_PASSWORDS[scheme]),
        "phone": "+1 555 0100",
        "role": "user",
        "is_active": True,
        "email_verified": scheme == "argon2",
    }


def _run_import(stack, path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "import", str(path), "--batch-size", "2"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _stored_hashes(stack, emails: list[str]) -> dict[str, str]:
    async with database(stack.owner_database_url) as connection:
        rows = await connection.fetch('SELECT "email", "password_hash" FROM "users" WHERE "email" = ANY($1)', emails)
    return {row["email"]: row["password_hash"] for row in rows}


def test_import_creates_skips_and_rejects_by_line_and_users_log_in_with_their_old_passwords(stack, admin, tmp_path):
    people = {scheme: _person(scheme) for scheme in HASHES}
    duplicate = {**_person("bcrypt"), "email": people["bcrypt"]["email"].upper()}
    lines = [
        json.dumps(people["bcrypt"]),
        json.dumps(people["argon2"]),
        "",
        "{not json",
        json.dumps(duplicate),
        json.dumps({**_person("pbkdf2"), "password_hash": "$md5$abc"}),
        json.dumps(people["pbkdf2"]),
    ]
    path = tmp_path / "users.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = _run_import(stack, path)
    assert result.returncode == 1, result.stderr  # some lines were rejected
    assert "created 3, skipped 1 (existing email), rejected 2" in result.stdout
    assert "line 4: rejected: not valid JSON" in result.stdout
    assert "line 5: skipped: a user with this email exists" in result.stdout
    assert "line 6: rejected: password_hash:" in result.stdout and "$md5$abc" not in result.stdout
    assert "import" in result.stderr  # the progress bar
    emails = [person["email"].lower() for person in people.values()]
    before = asyncio.run(_stored_hashes(stack, emails))
    assert before[people["bcrypt"]["email"].lower()].startswith("$2b$")
    assert before[people["argon2"]["email"].lower()].startswith("$argon2id$")
    assert before[people["pbkdf2"]["email"].lower()].startswith("$pbkdf2-sha256$")

    for scheme, person in people.items():
        login = password_step(stack.base_url, person["username"], password=OLD_PASSWORDS[scheme])
        assert login.status_code == 200, (scheme, login.text)
        assert login.json()["user"]["email_verified"] is (scheme == "argon2")
    after = asyncio.run(_stored_hashes(stack, emails))
    assert all(stored.startswith("$bcrypt-sha256$") for stored in after.values()), after
    for scheme, person in people.items():  # and the upgraded hash holds the same password
        assert password_step(stack.base_url, person["username"], password=OLD_PASSWORDS[scheme]).status_code == 200
        assert password_step(stack.base_url, person["username"], password="Wrong!pass1").status_code == 401

    user = admin.get("/v1/users", params={"search": people["pbkdf2"]["username"]}).json()["data"][0]
    rows = admin.get("/v1/audit-logs", params={"entity_id": user["id"]}).json()["data"]
    imported = next(row for row in rows if row["action"] == "user.import")
    assert imported["actor"] == {"type": "service", "id": "import"}
    rehash = next(row for row in rows if row["action"] == "auth.password_rehash")
    assert rehash["old_values"] == {"password_scheme": "pbkdf2_sha256"}
    assert "$pbkdf2" not in json.dumps(rows) and "$bcrypt" not in json.dumps(rows)

    again = _run_import(stack, path)
    assert "created 0, skipped 4 (existing email), rejected 2" in again.stdout


def test_import_of_a_missing_file_says_so(stack, tmp_path):
    result = _run_import(stack, tmp_path / "nope.jsonl")
    assert result.returncode != 0 and "no such file" in result.stderr
