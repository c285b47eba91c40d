"""What workers answer: the user resource, pages, and the `{ok, data|error}` envelope."""

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, field_serializer
from usersvc.domain.errors import DomainError, ErrorCode, FieldError
from usersvc.domain.rbac import Role


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class UserView(BaseModel):
    """The public user resource: never a password, hash or deleted_at."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    username: str
    email: str
    first_name: str
    last_name: str
    phone: str | None
    role: Role
    is_active: bool
    email_verified: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @field_serializer("last_login_at", "created_at", "updated_at")
    def _utc(self, moment: datetime | None) -> str | None:
        return iso_utc(moment)


def etag_of(user: dict) -> str:
    """Strong ETag: changes whenever updated_at does, i.e. on every modification."""
    digest = hashlib.sha256(f"{user['id']}|{user['updated_at']}".encode()).hexdigest()[:20]
    return f'"{digest}"'


class Pagination(BaseModel):
    current_page: int
    page_size: int
    total_items: int
    total_pages: int


def page_of(items: list, *, page: int, page_size: int, total_items: int) -> dict:
    """A list reply: `{"data": [...], "pagination": {...}}` as docs/api.md shows it."""
    pagination = Pagination(current_page=page, page_size=page_size, total_items=total_items,
                            total_pages=(total_items + page_size - 1) // page_size)
    return {"data": items, "pagination": pagination.model_dump()}


class ErrorBody(BaseModel):
    code: ErrorCode
    message: str
    details: list[FieldError] = []


class Reply(BaseModel):
    """The envelope every command is answered with."""

    ok: bool
    data: Any = None
    error: ErrorBody | None = None

    @classmethod
    def success(cls, data: Any) -> "Reply":
        return cls(ok=True, data=data)

    @classmethod
    def failure(cls, error: DomainError) -> "Reply":
        return cls(ok=False, error=ErrorBody(code=error.code, message=error.message,
                                             details=error.details))

    def to_json_dict(self) -> dict:
        if self.ok:
            return {"ok": True, "data": self.data}
        return {"ok": False, "error": self.error.model_dump(mode="json")}
