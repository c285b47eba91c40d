"""Safe defaults: production unless told otherwise, secrets required, one line per mistake."""

import subprocess
import sys

import pytest
from pydantic import ValidationError

from usersvc.settings import Settings

SECRETS = {"secret_key": "k" * 40}
BROKER = {"rabbitmq_url": "amqp://usersvc-worker:pw@127.0.0.1:5672/usersvc"}
MAIL = {"smtp_url": "smtp://127.0.0.1:1025"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "ENVIRONMENT",
        "SECRET_KEY",
        "RABBITMQ_URL",
        "EDGE_RABBITMQ_URL",
        "BUS_EDGE_USER",
        "TRUSTED_PROXIES",
        "SMTP_URL",
        "PUBLIC_URL",
        "METRICS_ALLOW",
        "METRICS_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_default_environment_is_production_and_needs_secrets():
    with pytest.raises(ValidationError, match="SECRET_KEY is required"):
        Settings(_env_file=None, **BROKER)
    settings = Settings(_env_file=None, **SECRETS, **BROKER, **MAIL)
    assert settings.environment == "production" and settings.secret_key == "k" * 40


def test_development_gets_working_secrets_without_configuration():
    settings = Settings(_env_file=None, environment="development")
    assert len(settings.secret_key) >= 32


def test_short_secrets_are_refused():
    with pytest.raises(ValidationError, match="SECRET_KEY must be at least 32"):
        Settings(_env_file=None, secret_key="short", **BROKER)


def test_the_guest_broker_user_is_refused_outside_development():
    with pytest.raises(ValidationError, match="RABBITMQ_URL: the guest broker user"):
        Settings(_env_file=None, **SECRETS)
    with pytest.raises(ValidationError, match="EDGE_RABBITMQ_URL"):
        Settings(_env_file=None, **SECRETS, **BROKER, edge_rabbitmq_url="amqp://guest:guest@h/")


def test_the_edge_broker_user_defaults_to_the_user_in_the_edge_url():
    assert Settings(_env_file=None, environment="development").edge_broker_user == "guest"
    settings = Settings(
        _env_file=None, **SECRETS, **BROKER, **MAIL, edge_rabbitmq_url="amqp://usersvc%2Dedge:pw@127.0.0.1/usersvc"
    )
    assert settings.edge_broker_user == "usersvc-edge"
    assert Settings(_env_file=None, **SECRETS, **BROKER, **MAIL, bus_edge_user="front").edge_broker_user == "front"


def test_tokens_are_issued_by_the_public_url_unless_told_otherwise():
    settings = Settings(_env_file=None, environment="development", public_url="https://id.example.com")
    assert (settings.token_issuer, settings.jwt_audience, settings.jwt_algorithm) == (
        "https://id.example.com",
        "usersvc",
        "EdDSA",
    )
    assert Settings(_env_file=None, environment="development", jwt_issuer="urn:usersvc").token_issuer == "urn:usersvc"
    assert Settings(_env_file=None, environment="development", jwt_algorithm="ES256").jwt_algorithm == "ES256"
    with pytest.raises(ValidationError, match="jwt_algorithm"):
        Settings(_env_file=None, environment="development", jwt_algorithm="HS256")


def test_bus_services_and_trusted_proxies_are_parsed():
    settings = Settings(
        _env_file=None, environment="development", bus_services=" billing, crm ,", trusted_proxies="10.0.0.0/8, ::1"
    )
    assert settings.service_broker_users == {"billing", "crm"}
    assert [str(network) for network in settings.trusted_proxy_networks] == ["10.0.0.0/8", "::1/128"]
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings(_env_file=None, environment="development", trusted_proxies="10.0.0.0/33")


def test_metrics_are_for_loopback_unless_told_and_a_token_must_be_long():
    settings = Settings(_env_file=None, environment="development")
    assert [str(network) for network in settings.metrics_allow_networks] == ["127.0.0.0/8", "::1/128"]
    assert settings.metrics_token == ""
    with pytest.raises(ValidationError, match="METRICS_ALLOW"):
        Settings(_env_file=None, environment="development", metrics_allow="10.0.0.0/33")
    with pytest.raises(ValidationError, match="METRICS_TOKEN"):
        Settings(_env_file=None, environment="development", metrics_token="short")
    assert "m" * 32 not in repr(Settings(_env_file=None, environment="development", metrics_token="m" * 32))


def test_no_listed_service_may_be_named_into_usersvcs_or_the_brokers_names():
    with pytest.raises(ValidationError, match=r"BUS_SERVICES: a service may not be named 'usersvc\.edge'"):
        Settings(_env_file=None, environment="development", bus_services="billing,usersvc.edge")


def test_mail_needs_an_smtp_url_outside_development_and_a_valid_one_anywhere():
    with pytest.raises(ValidationError, match="SMTP_URL is required"):
        Settings(_env_file=None, **SECRETS, **BROKER)
    assert Settings(_env_file=None, environment="development").smtp_endpoint is None  # mails go to the log
    with pytest.raises(ValidationError, match="SMTP_URL must start with") as refused:
        Settings(_env_file=None, environment="development", smtp_url="http://mailer:s3cret@host")
    assert "s3cret" not in str(refused.value).split("[")[0]
    endpoint = Settings(
        _env_file=None, environment="development", smtp_url="smtp+starttls://me%40example.com:p%3Aw@mail.example.com"
    ).smtp_endpoint
    assert (endpoint.host, endpoint.port) == ("mail.example.com", 587)
    assert (endpoint.start_tls, endpoint.use_tls) == (True, False)
    assert (endpoint.username, endpoint.password) == ("me@example.com", "p:w")
    assert Settings(_env_file=None, environment="development", smtp_url="smtps://h").smtp_endpoint.port == 465
    with pytest.raises(ValidationError, match="PUBLIC_URL"):
        Settings(_env_file=None, environment="development", public_url="localhost:8000")


PRODUCTION_WITHOUT_MAIL = {"SECRET_KEY": "k" * 40, "RABBITMQ_URL": "amqp://w:p@127.0.0.1/"}


@pytest.mark.parametrize(
    "environment, named", [({"PORT": "eighty"}, "PORT"), ({}, "SECRET_KEY"), (PRODUCTION_WITHOUT_MAIL, "SMTP_URL")]
)
def test_a_bad_setting_stops_the_cli_with_one_line_naming_it(tmp_path, environment, named):
    result = subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "worker"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **environment},
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


def test_database_tls_is_chosen_by_url():
    from usersvc.workers.db import tortoise_config

    def tls(url: str):
        return tortoise_config(url)["connections"]["default"]["credentials"].get("ssl")

    assert tls("postgres://u@h/db") is None
    assert tls("postgres://u@h/db?sslmode=require") == "require"
    context = tls(f"postgres://u@h/db?sslmode=verify-full&sslrootcert={system_ca_bundle()}")
    assert context.check_hostname is True


def system_ca_bundle() -> str:
    import ssl

    return ssl.get_default_verify_paths().openssl_cafile
