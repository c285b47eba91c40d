"""Configuration from the environment (and a `.env` file), as CONTRACT §4 lists it."""

from functools import cached_property
from typing import Literal

from limits import RateLimitItem, parse
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "postgres://postgres@127.0.0.1:5432/usersvc"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "usersvc"
    host: str = "0.0.0.0"
    port: int = 8000
    environment: Literal["development", "test", "staging", "production"] = "development"
    jwt_secret: str = ""
    access_token_expire_minutes: int = Field(15, ge=1)
    refresh_token_expire_minutes: int = Field(10080, ge=1)
    bcrypt_rounds: int = Field(12, ge=4, le=16)
    rate_limit_login: str = "5/minute"
    rate_limit_read: str = "1000/hour"
    rate_limit_write: str = "100/hour"
    cache_ttl_seconds: int = Field(300, ge=1)
    rpc_timeout_seconds: float = Field(10, gt=0)
    cors_origins: str = ""
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    worker_prefetch: int = Field(16, ge=1)
    # Per worker process: PostgreSQL allows 100 connections by default, shared by all workers.
    database_pool_size: int = Field(5, ge=1)
    max_body_bytes: int = Field(65536, ge=1024)
    usersvc_workers: int = Field(2, ge=1, description="worker processes started by `usersvc run`")
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    bootstrap_admin_username: str = "admin"

    @model_validator(mode="after")
    def _require_secret_outside_development(self) -> "Settings":
        if not self.jwt_secret:
            if self.environment != "development":
                raise ValueError("JWT_SECRET is required unless ENVIRONMENT=development")
            self.jwt_secret = DEVELOPMENT_JWT_SECRET
        if len(self.jwt_secret) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters (HS256 key strength)")
        for limit in (self.rate_limit_login, self.rate_limit_read, self.rate_limit_write):
            parse(limit)  # fail at start-up, not on the first request
        return self

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
