"""`usersvc broker-access` is the operators' door to the broker users' rules; it needs no
settings, since it runs where the broker is, before usersvc is configured."""

from usersvc import cli


def test_broker_access_runs_without_any_setting(monkeypatch, capsys):
    for name in ("ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "RABBITMQ_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")  # settings would refuse: no SECRET_KEY
    cli.main(["broker-access", "show", "service", "billing"])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == r"configure: ^(amq\.gen-.+|billing\..+)$"
    assert printed[2].startswith("read:") and "usersvc\\.events" in printed[2]
