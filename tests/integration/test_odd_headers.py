"""No header reaches a 500: long, odd and undecodable values get the documented answers."""

import pytest

from tests.support import new_user_body

# Latin-1 and invalid UTF-8 bytes, as a client may send them: Sanic decodes header bytes as
# UTF-8 with surrogate escapes, so the edge sees strings that cannot be encoded back.
UNDECODABLE = b'"\xff\xfe\x80"'
ODD_IF_MATCH = {
    "201-chars": "x" * 201,
    "6000-chars": "x" * 6000,
    "not-utf8": UNDECODABLE,
    "utf8": "caf\u00e9".encode(),
    "weak": 'W/"0123456789abcdef0123"',
    "list": '"a", "b"',
    "empty": "",
}


@pytest.mark.parametrize("if_match", ODD_IF_MATCH.values(), ids=ODD_IF_MATCH.keys())
def test_an_if_match_that_cannot_be_the_current_etag_answers_412_on_every_write(admin, make_user, if_match):
    user, _ = make_user()
    path = f"/v1/users/{user['id']}"
    headers = {"If-Match": if_match}
    replacement = {key: user[key] for key in ("username", "email", "first_name", "last_name")}
    answers = [
        admin.patch(path, json={"first_name": "Changed"}, headers=headers),
        admin.put(path, json={**replacement, "first_name": "Changed"}, headers=headers),
        admin.delete(path, headers=headers),
    ]
    for response in answers:
        assert response.status_code == 412, response.text
        assert response.json()["error"]["code"] == "PRECONDITION_FAILED"
    after = admin.get(path)
    assert (after.status_code, after.json()["first_name"]) == (200, user["first_name"])


def test_the_current_etag_and_star_still_match(admin, make_user):
    user, _ = make_user()
    path = f"/v1/users/{user['id']}"
    etag = admin.get(path).headers["ETag"]
    changed = admin.patch(path, json={"first_name": "Matched"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert admin.patch(path, json={"first_name": "Star"}, headers={"If-Match": "*"}).status_code == 200


@pytest.mark.parametrize("key", ["k" * 201, "k" * 6000, UNDECODABLE])
def test_an_idempotency_key_that_is_long_or_not_text_is_a_validation_error(admin, key):
    response = admin.post("/v1/users", json=new_user_body(), headers={"Idempotency-Key": key})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("key", ["cl\u00e9".encode(), b"\x7f\x01", "k" * 200])
def test_an_odd_idempotency_key_still_makes_one_user(admin, key):
    body = new_user_body()
    first = admin.post("/v1/users", json=body, headers={"Idempotency-Key": key})
    again = admin.post("/v1/users", json=body, headers={"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize("value", [UNDECODABLE, b"x" * 1500])
def test_odd_context_headers_are_no_failure(admin, anonymous, make_user, value):
    """User-Agent and the rest travel with each command: undecodable bytes do not break it."""
    user, me = make_user()
    headers = {"User-Agent": value, "X-Request-ID": value, "X-Forwarded-For": value}
    patched = me.patch(f"/v1/users/{user['id']}", json={"first_name": "Odd"}, headers=dict(headers))
    assert patched.status_code == 200, patched.text
    login = anonymous.post(
        "/v1/auth/login", json={"username": user["username"], "password": "Wrong!pass1"}, headers=headers
    )
    assert login.status_code == 401, login.text
    bearer = anonymous.get("/v1/auth/me", headers={"Authorization": b"Bearer " + value})
    assert bearer.status_code == 401, bearer.text


def test_a_request_line_too_long_to_read_is_a_malformed_request_not_a_413(anonymous):
    """Sanic refuses a request line past its header limit with 413; that is no body too
    large. Found by the API conformance run (a long `return_to` query)."""
    answer = anonymous.get("/v1/auth/providers/x/start", params={"return_to": "é" * 6000})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "MALFORMED_REQUEST"
