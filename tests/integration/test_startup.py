"""A backing service that does not answer at start stops the process with one line naming its setting."""

import subprocess
import sys

import pytest

UNREACHABLE = {
    "database": "postgres://postgres@127.0.0.1:9/usersvc",
    "broker": "amqp://guest:guest@127.0.0.1:9/",
    "cache": "redis://127.0.0.1:9/0",
}


@pytest.mark.parametrize(
    "command, setting, kind",
    [
        ("worker", "DATABASE_URL", "database"),
        ("worker", "RABBITMQ_URL", "broker"),
        ("worker", "REDIS_URL", "cache"),
        ("edge", "RABBITMQ_URL", "broker"),
        ("edge", "REDIS_URL", "cache"),
        ("migrate", "DATABASE_URL", "database"),
    ],
)
def test_an_unreachable_service_at_start_stops_the_process_with_one_line(tmp_path, command, setting, kind):
    reachable = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}
    environment = {"PATH": "/usr/bin:/bin", "ENVIRONMENT": "development", **reachable, setting: UNREACHABLE[kind]}
    result = subprocess.run(
        [sys.executable, "-m", "usersvc.cli", command],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"usersvc: {setting}: cannot connect to the {kind}"), result.stderr


def test_a_worker_on_a_database_without_the_schema_stops_with_one_line(stack, tmp_path):
    environment = {**stack.env, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}  # never migrated
    result = subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "worker"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output  # CONFIGURATION_ERROR
    assert "run `usersvc migrate` first" in output and "Traceback" not in output, output
