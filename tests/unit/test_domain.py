"""Pure domain rules: no I/O."""

import uuid
from datetime import UTC

import pytest
from pydantic import ValidationError

from usersvc.cache_keys import EVERY_WRITE, MEMBERS, SEARCH, CacheKeys, changed_dependencies, page_dependencies
from usersvc.domain import rbac
from usersvc.domain.commands import (
    CreateUser,
    ListUsers,
    LoginBody,
    ReplaceUser,
    UpdateUser,
    UserPatchBody,
)
from usersvc.domain.errors import DomainError, ErrorCode, field_errors_from_pydantic
from usersvc.domain.passwords import PasswordHasher, password_problem
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import etag_of

VALID = {
    "username": "john_doe",
    "email": "John@Example.com",
    "password": "Passw0rd!",
    "first_name": "John",
    "last_name": "Doe",
}
PROFILE = {name: value for name, value in VALID.items() if name != "password"}


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Sh0rt!", "8-128"),
        ("a" * 129, "8-128"),
        ("alllower1!", "upper-case"),
        ("ALLUPPER1!", "lower-case"),
        ("NoDigits!!", "digit"),
        ("NoSpecial1", "one of"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_they_break(password, problem):
    assert problem in password_problem(password)


def test_a_strong_password_passes_the_policy():
    assert password_problem("Passw0rd!") is None


def test_hasher_accepts_128_character_passwords_beyond_bcrypts_72_bytes():
    hasher = PasswordHasher(rounds=4)
    long_password = "Aa1!" * 32
    digest = hasher.hash(long_password)
    assert hasher.verify(long_password, digest)
    assert not hasher.verify(long_password[:-1] + "?", digest)


def test_verify_without_a_hash_fails_after_doing_the_same_work():
    assert PasswordHasher(rounds=4).verify("anything", None) is False


def test_email_is_stored_lower_cased():
    assert CreateUser(**VALID).email == "john@example.com"


@pytest.mark.parametrize(
    "field, value",
    [
        ("username", "ab"),
        ("username", "has space"),
        ("username", "x" * 51),
        ("email", "not-an-email"),
        ("first_name", ""),
        ("last_name", "x" * 101),
        ("phone", "12"),
        ("phone", "call me"),
        ("role", "root"),
        ("first_name", 123),
    ],
)
def test_field_rules_reject_bad_values(field, value):
    with pytest.raises(ValidationError) as caught:
        CreateUser(**{**VALID, field: value})
    assert field in {d.field for d in field_errors_from_pydantic(caught.value.errors())}


def test_unknown_fields_are_rejected_by_name():
    with pytest.raises(ValidationError) as caught:
        CreateUser(**VALID, is_admin=True)
    details = field_errors_from_pydantic(caught.value.errors())
    assert [(d.field, d.message) for d in details] == [("is_admin", "unknown field")]


def test_password_never_appears_in_a_commands_repr():
    assert "Passw0rd!" not in repr(CreateUser(**VALID))
    assert "secret" not in repr(LoginBody(username="x", password="secret"))


def test_patch_may_clear_phone_but_no_other_field():
    assert UserPatchBody(phone=None).model_fields_set == {"phone"}
    with pytest.raises(ValidationError):
        UserPatchBody(first_name=None)


def test_update_reports_only_the_fields_sent():
    command = UpdateUser(user_id=uuid.uuid4(), last_name="Roe", if_match='"x"')
    assert command.changes() == {"last_name": "Roe"}


@pytest.mark.parametrize("sort", ["password", "-password_hash", "id;drop", "--created_at"])
def test_list_sort_is_whitelisted(sort):
    with pytest.raises(ValidationError):
        ListUsers(sort=sort)


def test_list_page_size_above_100_is_refused():
    with pytest.raises(ValidationError):
        ListUsers(page_size=101)
    assert ListUsers(page_size="100", page="2").page == 2


def test_login_needs_exactly_one_identifier():
    with pytest.raises(ValidationError):
        LoginBody(password="x")
    with pytest.raises(ValidationError):
        LoginBody(email="a@b.co", username="ab", password="x")


ADMIN = Principal(kind="user", id="a", role=Role.ADMIN)
MODERATOR = Principal(kind="user", id="m", role=Role.MODERATOR)
USER = Principal(kind="user", id="u", role=Role.USER)
SERVICE = Principal(kind="service", id="billing", role=Role.ADMIN)


def _forbidden(rule, *args, **kwargs) -> bool:
    try:
        rule(*args, **kwargs)
    except DomainError as error:
        assert error.code == ErrorCode.FORBIDDEN
        return True
    return False


def test_users_read_only_themselves_and_staff_read_anyone():
    assert not _forbidden(rbac.authorize_read, USER, "u")
    assert _forbidden(rbac.authorize_read, USER, "other")
    assert not _forbidden(rbac.authorize_read, MODERATOR, "other")


def test_moderators_never_act_on_admins():
    assert _forbidden(rbac.authorize_update, MODERATOR, target_id="a", target_role=Role.ADMIN, fields={"first_name"})
    assert not _forbidden(rbac.authorize_update, MODERATOR, target_id="u", target_role=Role.USER, fields={"is_active"})


@pytest.mark.parametrize("target_role", [Role.MODERATOR, Role.ADMIN])
def test_moderators_change_nothing_of_other_staff(target_role):
    for fields in ({"first_name"}, {"is_active"}, {"email"}):
        assert _forbidden(rbac.authorize_update, MODERATOR, target_id="x", target_role=target_role, fields=fields)


@pytest.mark.parametrize("fields", [{"email"}, {"username"}, {"first_name", "email"}, {"role"}])
def test_moderators_never_change_a_users_email_username_or_role(fields):
    assert _forbidden(rbac.authorize_update, MODERATOR, target_id="u", target_role=Role.USER, fields=fields)
    assert _forbidden(rbac.authorize_update_fields, MODERATOR, target_id="u", fields=fields)  # the edge's early check


def test_moderators_change_a_plain_users_names_phone_and_active_state():
    fields = {"first_name", "last_name", "phone", "is_active"}
    assert not _forbidden(rbac.authorize_update, MODERATOR, target_id="u", target_role=Role.USER, fields=fields)


def test_a_moderator_changes_their_own_profile_as_any_user_does():
    fields = {"first_name", "email", "username"}
    assert not _forbidden(rbac.authorize_update, MODERATOR, target_id="m", target_role=Role.MODERATOR, fields=fields)
    assert _forbidden(rbac.authorize_update, MODERATOR, target_id="m", target_role=Role.MODERATOR, fields={"is_active"})


def test_admins_and_services_change_anyones_email():
    for principal in (ADMIN, SERVICE):
        assert not _forbidden(
            rbac.authorize_update, principal, target_id="m", target_role=Role.MODERATOR, fields={"email"}
        )


def test_only_a_user_moving_their_own_account_to_another_address_must_reauthenticate():
    own = {"target_id": "u", "old_email": "u@example.com"}
    assert rbac.changes_own_email(USER, **own, new_email="other@example.com")
    assert rbac.changes_own_email(ADMIN, target_id="a", old_email="a@example.com", new_email="b@example.com")
    assert not rbac.changes_own_email(USER, **own, new_email="u@example.com")  # the same address
    assert not rbac.changes_own_email(USER, **own, new_email=None)  # no email in the command
    assert not rbac.changes_own_email(ADMIN, **own, new_email="other@example.com")  # someone else's
    assert not rbac.changes_own_email(SERVICE, **own, new_email="other@example.com")
    assert rbac.reauthentication_required().code == ErrorCode.REAUTHENTICATION_REQUIRED


def test_current_password_is_no_change_and_never_in_a_repr():
    command = UpdateUser(user_id=uuid.uuid4(), email="new@example.com", current_password="Secr3t!pass")
    assert command.changes() == {"email": "new@example.com"}
    assert "Secr3t" not in repr(command)
    assert "Secr3t" not in repr(ReplaceUser(**PROFILE, user_id=uuid.uuid4(), current_password="Secr3t!pass"))


def test_only_admins_change_roles_and_nobody_their_own():
    assert _forbidden(rbac.authorize_update, MODERATOR, target_id="u", target_role=Role.USER, fields={"role"})
    assert _forbidden(rbac.authorize_update, ADMIN, target_id="a", target_role=Role.ADMIN, fields={"role"})
    assert _forbidden(rbac.authorize_update, USER, target_id="u", target_role=Role.USER, fields={"is_active"})
    assert not _forbidden(rbac.authorize_update, ADMIN, target_id="u", target_role=Role.USER, fields={"role"})


def test_services_act_with_admin_rights():
    assert not _forbidden(rbac.authorize_delete, SERVICE, "u")
    assert not _forbidden(rbac.authorize_update, SERVICE, target_id="a", target_role=Role.ADMIN, fields={"role"})


def test_etag_changes_when_updated_at_does():
    user = {"id": "1", "updated_at": "2026-01-01T00:00:00.000001Z"}
    assert etag_of(user) != etag_of({**user, "updated_at": "2026-01-01T00:00:00.000002Z"})
    assert etag_of(user).startswith('"') and etag_of(user).endswith('"')


def test_list_cache_key_ignores_field_order_but_not_values():
    keys = CacheKeys("p")
    assert keys.user_page("1.0", {"a": 1, "b": 2}) == keys.user_page("1.0", {"b": 2, "a": 1})
    assert keys.user_page("1.0", {"a": 1}) != keys.user_page("1.1", {"a": 1})
    assert keys.user_page("1.0", {"a": 1}) != keys.user_page("1.0", {"a": 2})


def test_a_page_depends_on_membership_its_filters_search_and_sort_field_only():
    page = ListUsers(role="user", is_active=True, sort="-last_name").model_dump(mode="json")
    assert page_dependencies(page) == [MEMBERS, "role", "is_active", "last_name"]
    searched = ListUsers(search="ann", sort="created_at").model_dump(mode="json")
    assert page_dependencies(searched) == [MEMBERS, SEARCH, "created_at"]


def test_a_users_change_bumps_only_what_can_move_it_between_pages():
    user = {"id": "u1", "first_name": "Ann", "last_name": "Lee", "role": "user", "updated_at": "1", "phone": None}
    login = {**user, "last_login_at": "2", "updated_at": "2"}
    assert changed_dependencies(user, login) == {EVERY_WRITE}  # pages sorted by updated_at only
    renamed = {**user, "first_name": "Anne", "updated_at": "2"}
    assert changed_dependencies(user, renamed) == {"first_name", SEARCH, EVERY_WRITE}
    assert changed_dependencies(None, user) == {MEMBERS}
    page = ListUsers(role="user", sort="last_name").model_dump(mode="json")
    assert not set(page_dependencies(page)) & changed_dependencies(user, renamed)  # that page stays cached


def test_a_command_past_its_expiration_is_not_run():
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from usersvc.workers.middleware import expired

    sent = datetime(2026, 1, 1, tzinfo=UTC)
    message = SimpleNamespace(timestamp=sent, expiration=10.0)
    assert not expired(message, now=sent + timedelta(seconds=9))
    assert expired(message, now=sent + timedelta(seconds=11))
    assert not expired(SimpleNamespace(timestamp=None, expiration=None), now=sent)
    assert expired(
        SimpleNamespace(timestamp=sent.replace(tzinfo=None), expiration="1"), now=sent + timedelta(seconds=2)
    )


def test_a_lost_uniqueness_race_is_told_by_the_constraint_the_database_names():
    from tortoise.exceptions import IntegrityError

    from usersvc.workers.repositories.records import taken_code

    def violation(constraint: str) -> IntegrityError:
        cause = Exception("duplicate key value violates unique constraint")  # what the text says is not used
        cause.constraint_name = constraint  # as asyncpg's UniqueViolationError carries it
        error = IntegrityError(cause)
        error.__cause__ = cause
        return error

    assert taken_code(violation("users_email_key")) is ErrorCode.EMAIL_TAKEN
    assert taken_code(violation("users_username_lower")) is ErrorCode.USERNAME_TAKEN
    other = violation("user_sessions_pkey")
    with pytest.raises(IntegrityError) as raised:
        taken_code(other)
    assert raised.value is other
