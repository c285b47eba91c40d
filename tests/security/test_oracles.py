"""No existence or password oracle: authorization is decided before anything about the target."""

import uuid

import pytest

from tests.integration.bus import BusClient
from tests.support import USER_PASSWORD, new_user_body


def _error(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def test_password_change_on_someone_else_is_403_whether_the_password_is_right_or_not(make_user):
    victim, _ = make_user()
    _, stranger = make_user()
    answers = {
        _error(
            stranger.post(
                f"/v1/users/{target}/password", json={"current_password": current, "new_password": "N3w!password"}
            )
        )
        for target, current in (
            (victim["id"], USER_PASSWORD),
            (victim["id"], "Wrong!pass1"),
            (str(uuid.uuid4()), USER_PASSWORD),
            ("not-a-uuid", USER_PASSWORD),
        )
    }
    assert answers == {(403, "FORBIDDEN", "You are not allowed to do this")}


def test_patch_and_put_on_someone_else_are_403_whether_they_exist_or_not(make_user):
    victim, _ = make_user()
    _, stranger = make_user()
    for method in ("patch", "put"):
        answers = {
            _error(getattr(stranger, method)(f"/v1/users/{target}", json=body))
            for target in (victim["id"], str(uuid.uuid4()), "not-a-uuid")
            for body in ({"last_name": "X"}, {"unknown_field": 1})
        }
        assert answers == {(403, "FORBIDDEN", "You are not allowed to do this")}, method


def test_reading_someone_else_is_403_whether_they_exist_or_not(make_user):
    victim, _ = make_user()
    _, stranger = make_user()
    answers = {_error(stranger.get(f"/v1/users/{target}")) for target in (victim["id"], str(uuid.uuid4()))}
    assert answers == {(403, "FORBIDDEN", "You are not allowed to do this")}


@pytest.mark.parametrize(
    "routing_key, data",
    [
        ("user.change_password", {"current_password": USER_PASSWORD, "new_password": "N3w!password"}),
        ("user.change_password", {"current_password": "Wrong!pass1", "new_password": "N3w!password"}),
        ("user.update", {"last_name": "X"}),
    ],
)
async def test_the_workers_authorize_first_too(stack, make_user, routing_key, data):
    """The same attack sent as the edge would send it, bypassing the edge's own early check."""
    victim, _ = make_user()
    stranger, _ = make_user()
    replies = set()
    async with BusClient(stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}") as edge:
        for target in (victim["id"], str(uuid.uuid4())):
            reply = await edge.call(
                routing_key, {**data, "user_id": target}, actor={"type": "user", "id": stranger["id"]}
            )
            replies.add((reply["error"]["code"], reply["error"]["message"]))
    assert replies == {("FORBIDDEN", "You are not allowed to do this")}


def test_usernames_are_unique_case_insensitively(admin, stack):
    body = new_user_body()
    first = admin.post("/v1/users", json={**body, "username": body["username"].upper()})
    assert first.status_code == 201
    twin = admin.post("/v1/users", json={**new_user_body(), "username": body["username"].lower()})
    assert _error(twin)[:2] == (409, "USERNAME_TAKEN")
    other = admin.post("/v1/users", json=new_user_body()).json()
    renamed = admin.patch(f"/v1/users/{other['id']}", json={"username": body["username"].capitalize()})
    assert _error(renamed)[:2] == (409, "USERNAME_TAKEN")
    own_case_change = admin.patch(f"/v1/users/{first.json()['id']}", json={"username": body["username"].lower()})
    assert own_case_change.status_code == 200
