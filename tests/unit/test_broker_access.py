"""Broker users' setup: a failed rabbitmqctl step ends in one line that says what to do, and
no service's own name space reaches into usersvc's or the broker's names."""

import os
from pathlib import Path

import pytest

from usersvc import broker_access


@pytest.fixture
def failing_rabbitmqctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in rabbitmqctl on PATH that fails as the real one does, and logs its arguments
    and standard input."""
    script = tmp_path / "rabbitmqctl"
    script.write_text(
        '#!/bin/sh\necho "$@" >> "$0.args"\ncat >> "$0.stdin"\n'
        'echo "Error: unable to perform an operation on node rabbit@nowhere" >&2\nexit 69\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return script


def test_a_failed_rabbitmqctl_step_ends_in_one_line_that_says_what_to_do(failing_rabbitmqctl, capsys):
    with pytest.raises(SystemExit) as stopped:
        broker_access.main(["apply", "--vhost", "v", "service=billing:-starts-with-a-dash"])
    message = str(stopped.value.code)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("broker_access: rabbitmqctl change_password failed (exit 69: Error: unable")
    assert "then run this again" in message


def test_passwords_go_to_rabbitmqctl_on_standard_input_never_on_its_command_line(failing_rabbitmqctl):
    with pytest.raises(SystemExit):
        broker_access.main(["apply", "--vhost", "v", "service=billing:-starts-with-a-dash"])
    arguments = Path(f"{failing_rabbitmqctl}.args").read_text()
    assert "-starts-with-a-dash" not in arguments
    assert "add_user -- billing" in arguments
    assert "-starts-with-a-dash" in Path(f"{failing_rabbitmqctl}.stdin").read_text()


def test_a_missing_rabbitmqctl_is_one_line_too(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        broker_access.main(["apply", "--vhost", "v", "service=billing:secret"])
    assert str(stopped.value.code).startswith("broker_access: rabbitmqctl is not on PATH")


@pytest.mark.parametrize("name", ["usersvc", "usersvc.edge", "amq", "amq.rabbitmq"])
def test_no_service_may_be_named_into_usersvcs_or_the_brokers_names(name):
    with pytest.raises(ValueError, match="may not be named"):
        broker_access.permissions("service", name)


def test_a_services_own_queues_are_server_named_or_named_after_it():
    own = broker_access.own_queues("service", "billing")
    assert broker_access.permissions("service", "billing").configure == f"^{own}$"
