"""Configuration from the environment (and a `.env` file), as docs/configuration.md lists it."""

import ipaddress
import os
from functools import cached_property
from typing import Literal
from urllib.parse import unquote, urlsplit

from limits import RateLimitItem, parse
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from usersvc.broker_access import own_queues
from usersvc.broker_addresses import parse_broker_url
from usersvc.smtp_url import SmtpEndpoint, parse_smtp_url

# Used only with ENVIRONMENT=development, where `scripts/serve` writes random ones anyway.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-0123456789"  # noqa: S105 (refused in production)
MIN_SECRET_LENGTH = 32


class SettingError(ValueError):
    """A setting that can only be wrong; its message names the environment variable."""


def url_user(url: str) -> str:
    """The user name in a URL (`amqp://edge:pw@host/` → `edge`), '' when it has none."""
    return unquote(urlsplit(url).username or "")


def _networks(cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated CIDRs (a bare address is its own /32 or /128)."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs.split(",") if cidr.strip())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "postgres://postgres@127.0.0.1:5432/usersvc"
    # The schema owner's URL, for `usersvc migrate` only (docs/api.md, "Data"); default DATABASE_URL.
    migration_database_url: str | None = None
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # The edge's own broker identity when edge and workers share one environment (`usersvc
    # run`, one .env); unset, the edge connects with RABBITMQ_URL.
    edge_rabbitmq_url: str | None = None
    bus_edge_user: str | None = None
    bus_services: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "usersvc"
    host: str = "0.0.0.0"  # noqa: S104 - a server listens on every interface unless told otherwise
    port: int = 8000
    environment: Literal["development", "test", "staging", "production"] = "production"
    secret_key: str = ""
    # Access tokens other services can verify (README, "Signing keys"). New keys use
    # JWT_ALGORITHM; JWT_ISSUER empty means PUBLIC_URL (see token_issuer).
    jwt_algorithm: Literal["EdDSA", "ES256"] = "EdDSA"
    jwt_issuer: str = ""
    jwt_audience: str = Field("usersvc", min_length=1)
    trusted_proxies: str = ""
    # Who may read /metrics (edge and worker metrics ports): these client CIDRs, or anyone
    # sending `Authorization: Bearer <METRICS_TOKEN>` when a token is set.
    metrics_allow: str = "127.0.0.0/8,::1/128"
    metrics_token: str = Field("", repr=False)
    access_token_expire_minutes: int = Field(15, ge=1)
    refresh_token_expire_minutes: int = Field(10080, ge=1)
    session_max_age_days: float = Field(30, gt=0)
    bcrypt_rounds: int = Field(12, ge=4, le=16)
    rate_limit_login: str = "5/minute"
    rate_limit_read: str = "1000/hour"
    rate_limit_write: str = "100/hour"
    login_backoff_threshold: int = Field(10, ge=1)
    cache_ttl_seconds: int = Field(300, ge=1)
    rpc_timeout_seconds: float = Field(10, gt=0)
    cors_origins: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    worker_prefetch: int = Field(16, ge=1)
    # A worker that has not finished starting by then (its broker node lost mid-start) exits.
    worker_start_timeout_seconds: float = Field(60, gt=0)
    # Per worker process: PostgreSQL allows 100 connections by default, shared by all workers.
    database_pool_size: int = Field(5, ge=1)
    max_body_bytes: int = Field(65536, ge=1024)
    usersvc_workers: int = Field(2, ge=1, description="worker processes started by `usersvc run`")
    edge_processes: int | None = Field(None, ge=1, description="edge processes on PORT; default: the cores")
    # Workers serve their Prometheus metrics on this port (0: not at all); `usersvc run`
    # gives its N workers this port and the N-1 after it.
    worker_metrics_port: int = Field(0, ge=0, le=65535)
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    bootstrap_admin_username: str = "admin"
    # Account lifecycle: mail, registration, email verification, password reset.
    smtp_url: str = ""  # required unless development, where mails go to the sending worker's log
    mail_from: str = "usersvc@localhost"
    public_url: str = "http://localhost:8000"  # links in mails point here
    allow_registration: bool = False
    email_verification_expire_hours: float = Field(48, gt=0)
    password_reset_expire_minutes: float = Field(30, gt=0)
    mail_templates_dir: str = ""  # files here replace the shipped templates of the same name
    mail_retry_seconds: float = Field(10, gt=0, description="first retry of an unsent mail; doubles, up to 15 min")
    mail_max_attempts: int = Field(10, ge=1, description="then the mail is given up (and counted)")
    # GraphQL at /graphql (docs/graphql.md): deeper or costlier documents are refused before they
    # run; introspection is on unless ENVIRONMENT=production, or as GRAPHQL_INTROSPECTION says.
    graphql_max_depth: int = Field(10, ge=1)
    graphql_max_cost: int = Field(1000, ge=1)
    graphql_introspection: bool | None = None
    # Passkeys (WebAuthn): the relying party is PUBLIC_URL's host unless told; its origin is
    # allowed, and these (comma-separated) too, e.g. a second host name of the console.
    webauthn_rp_id: str = ""
    webauthn_origins: str = ""

    @model_validator(mode="before")
    @classmethod
    def _upper_log_level(cls, values: dict) -> dict:
        if isinstance(values, dict):
            for key in ("log_level", "LOG_LEVEL"):
                if isinstance(values.get(key), str):
                    values[key] = values[key].upper()
        return values

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        development = self.environment == "development"
        if not self.secret_key:
            if not development:
                raise SettingError("SECRET_KEY is required unless ENVIRONMENT=development")
            self.secret_key = DEVELOPMENT_SECRET_KEY
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise SettingError(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        for name, url in (("RABBITMQ_URL", self.rabbitmq_url), ("EDGE_RABBITMQ_URL", self.edge_rabbitmq_url)):
            try:
                if url:
                    parse_broker_url(url)  # one node, or several of a cluster: h1:5672,h2:5672
            except ValueError as error:
                raise SettingError(f"{name} {error}") from None
            if url and not development and url_user(url) == "guest":
                raise SettingError(f"{name}: the guest broker user is for development only")
        for service in self.service_broker_users:
            try:
                own_queues("service", service)
            except ValueError as error:
                raise SettingError(f"BUS_SERVICES: {error}") from None
        for name in ("rate_limit_login", "rate_limit_read", "rate_limit_write"):
            try:
                parse(getattr(self, name))  # fail at start-up, not on the first request
            except ValueError:
                raise SettingError(f"{name.upper()} is not a rate like 5/minute") from None
        self._check_mail(development=development)
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsed now so a typo stops the process
        except ValueError as error:
            raise SettingError(f"TRUSTED_PROXIES: {error}") from None
        try:
            self.metrics_allow_networks  # noqa: B018 - parsed now so a typo stops the process
        except ValueError as error:
            raise SettingError(f"METRICS_ALLOW: {error}") from None
        if self.metrics_token and len(self.metrics_token) < MIN_SECRET_LENGTH:
            raise SettingError(f"METRICS_TOKEN must be at least {MIN_SECRET_LENGTH} characters (or empty: none)")
        return self

    def _check_mail(self, *, development: bool) -> None:
        if not self.smtp_url and not development:
            raise SettingError("SMTP_URL is required unless ENVIRONMENT=development")
        try:
            self.smtp_endpoint  # parsed once, here, and kept  # noqa: B018
        except ValueError as error:
            raise SettingError(f"SMTP_URL {error}") from None
        public = urlsplit(self.public_url)
        if public.scheme not in ("http", "https") or not public.hostname:
            raise SettingError("PUBLIC_URL must be an http:// or https:// URL")

    @cached_property
    def smtp_endpoint(self) -> SmtpEndpoint | None:
        """None: no SMTP_URL (development), mails are logged instead."""
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @property
    def edge_process_count(self) -> int:
        return self.edge_processes or os.cpu_count() or 1

    @property
    def owner_database_url(self) -> str:
        return self.migration_database_url or self.database_url

    @property
    def webauthn_relying_party_id(self) -> str:
        """WEBAUTHN_RP_ID, else PUBLIC_URL's host name."""
        return self.webauthn_rp_id or urlsplit(self.public_url).hostname or "localhost"

    @property
    def webauthn_origin_list(self) -> list[str]:
        """The origins a passkey ceremony may come from: PUBLIC_URL's, then WEBAUTHN_ORIGINS."""
        public = urlsplit(self.public_url)
        extra = [origin.strip().rstrip("/") for origin in self.webauthn_origins.split(",") if origin.strip()]
        return [f"{public.scheme}://{public.netloc}", *extra]

    @property
    def token_issuer(self) -> str:
        """The `iss` of access tokens: JWT_ISSUER, else PUBLIC_URL."""
        return self.jwt_issuer or self.public_url

    @property
    def edge_broker_url(self) -> str:
        return self.edge_rabbitmq_url or self.rabbitmq_url

    @cached_property
    def edge_broker_user(self) -> str:
        """The broker user whose commands may speak for users (docs/api.md, "Bus")."""
        return self.bus_edge_user or url_user(self.edge_broker_url)

    @cached_property
    def service_broker_users(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.bus_services.split(",") if name.strip())

    @cached_property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _networks(self.trusted_proxies)

    @cached_property
    def metrics_allow_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _networks(self.metrics_allow)

    @cached_property
    def login_limit(self) -> RateLimitItem:
        return parse(self.rate_limit_login)

    @cached_property
    def read_limit(self) -> RateLimitItem:
        return parse(self.rate_limit_read)

    @cached_property
    def write_limit(self) -> RateLimitItem:
        return parse(self.rate_limit_write)

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
