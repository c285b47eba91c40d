"""DatabaseUnitOfWork.save: a command's row updates go in its one write statement, one per row."""

import uuid

import pytest
from tortoise import Tortoise

from usersvc.domain.rbac import Principal, Role
from usersvc.settings import Settings
from usersvc.workers.models import User
from usersvc.workers.unit_of_work import AfterCommit, DatabaseUnitOfWork


class CapturedStatements:
    """Stands in for a database connection: keeps what it is asked to run."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list]] = []

    async def execute_query(self, sql: str, params: list) -> None:
        self.statements.append((sql, params))


@pytest.fixture
async def models():
    await Tortoise.init(db_url="sqlite://:memory:", modules={"models": ["usersvc.workers.models"]})
    yield
    await Tortoise.close_connections()


def _user() -> User:
    return User._init_from_db(
        id=uuid.uuid4(), username="ada", email="ada@example.com", first_name="Ada", last_name="L",
        role="user", password_hash="x", is_active=True, email_verified=True, mfa_enabled=False,
        phone=None, created_at=None, updated_at=None, last_login_at=None, deleted_at=None,
    )  # fmt: skip


async def test_two_saves_of_one_row_are_one_update_with_both_changes(models):
    connection = CapturedStatements()
    unit = DatabaseUnitOfWork(
        settings=Settings(_env_file=None, environment="development"),
        envelope=None,
        after_commit=AfterCommit(None),
        principal=Principal(kind="service", id="test", role=Role.ADMIN),
    )
    unit._connection = connection  # type: ignore[assignment]  # as begin() would set it
    user, other = _user(), _user()
    user.first_name = "Grace"
    unit.users.save(user, ["first_name"])
    other.last_name = "Other"
    unit.users.save(other, ["last_name"])
    user.role = Role.ADMIN
    unit.users.save(user, ["role"])
    assert connection.statements == []  # deferred to the end of the command
    await unit._write(None)
    ((sql, params),) = connection.statements
    assert sql.count('UPDATE "users"') == 2  # one per row, never two for one row
    assert "Grace" in params and "admin" in params and "Other" in params
    assert params.count(user.id) == 1
