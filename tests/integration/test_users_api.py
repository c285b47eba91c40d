"""The user resource over REST, through the real bus, workers, PostgreSQL and Redis."""

import uuid

from tests.support import new_user_body


def test_created_user_is_returned_with_location_and_etag_and_no_secrets(admin):
    body = new_user_body(phone="+1 (555) 123-4567")
    response = admin.post("/v1/users", json=body)
    assert response.status_code == 201
    user = response.json()
    assert response.headers["Location"] == f"/v1/users/{user['id']}"
    assert response.headers["ETag"]
    assert user["email"] == body["email"].lower()
    assert user["phone"] == "+1 (555) 123-4567"
    assert not {"password", "password_hash", "deleted_at"} & set(user)
    assert set(user) == {
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "phone",
        "role",
        "is_active",
        "email_verified",
        "mfa_enabled",
        "last_login_at",
        "created_at",
        "updated_at",
    }


def test_email_uniqueness_ignores_case_and_username_is_unique(admin):
    body = new_user_body()
    assert admin.post("/v1/users", json=body).status_code == 201
    clash = admin.post("/v1/users", json={**new_user_body(), "email": body["email"].upper()})
    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "EMAIL_TAKEN")
    clash = admin.post("/v1/users", json={**new_user_body(), "username": body["username"]})
    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "USERNAME_TAKEN")


def test_validation_errors_name_each_field(admin):
    response = admin.post("/v1/users", json={**new_user_body(), "password": "weak", "phone": "x", "extra": 1})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert {d["field"] for d in error["details"]} == {"password", "phone", "extra"}


def test_idempotency_key_replays_the_same_user_and_refuses_another_body(admin):
    body, key = new_user_body(), uuid.uuid4().hex
    first = admin.post("/v1/users", json=body, headers={"Idempotency-Key": key})
    again = admin.post("/v1/users", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = admin.post("/v1/users", json=new_user_body(), headers={"Idempotency-Key": key})
    assert (other.status_code, other.json()["error"]["code"]) == (422, "VALIDATION_ERROR")


def test_get_put_patch_delete_lifecycle_with_etags(admin):
    user = admin.post("/v1/users", json=new_user_body()).json()
    path = f"/v1/users/{user['id']}"
    read = admin.get(path)
    assert read.status_code == 200 and read.json() == user
    etag = read.headers["ETag"]

    replacement = {k: v for k, v in new_user_body().items() if k in ("username", "email", "first_name", "last_name")}
    replaced = admin.put(path, json=replacement, headers={"If-Match": etag})
    assert replaced.status_code == 200
    assert replaced.json()["username"] == replacement["username"]
    assert replaced.headers["ETag"] != etag

    stale = admin.patch(path, json={"first_name": "Late"}, headers={"If-Match": etag})
    assert (stale.status_code, stale.json()["error"]["code"]) == (412, "PRECONDITION_FAILED")

    patched = admin.patch(path, json={"first_name": "New"}, headers={"If-Match": replaced.headers["ETag"]})
    assert patched.status_code == 200 and patched.json()["first_name"] == "New"
    assert admin.get(path).json()["first_name"] == "New"

    assert admin.delete(path).status_code == 204
    for response in (admin.get(path), admin.patch(path, json={"first_name": "X"}), admin.delete(path)):
        assert (response.status_code, response.json()["error"]["code"]) == (404, "USER_NOT_FOUND")
    reuse = admin.post("/v1/users", json={**new_user_body(), "email": replacement["email"]})
    assert reuse.json()["error"]["code"] == "EMAIL_TAKEN"


def test_put_requires_every_profile_field(admin):
    user = admin.post("/v1/users", json=new_user_body()).json()
    response = admin.put(f"/v1/users/{user['id']}", json={"first_name": "Only"})
    assert response.status_code == 422
    assert {"username", "email", "last_name"} <= {d["field"] for d in response.json()["error"]["details"]}


def test_list_filters_searches_sorts_and_pages_without_overlap(admin):
    tag = uuid.uuid4().hex[:8]
    for index in range(5):
        admin.post(
            "/v1/users", json=new_user_body(last_name=f"Zz{tag}{index}", role="moderator" if index == 0 else "user")
        )
    pages = [
        admin.get("/v1/users", params={"search": tag.upper(), "page_size": 2, "page": page, "sort": "last_name"}).json()
        for page in (1, 2, 3)
    ]
    names = [user["last_name"] for page in pages for user in page["data"]]
    assert names == [f"Zz{tag}{index}" for index in range(5)]
    assert pages[0]["pagination"] == {"current_page": 1, "page_size": 2, "total_items": 5, "total_pages": 3}
    moderators = admin.get("/v1/users", params={"search": tag, "role": "moderator"}).json()
    assert [u["last_name"] for u in moderators["data"]] == [f"Zz{tag}0"]
    descending = admin.get("/v1/users", params={"search": tag, "sort": "-last_name"}).json()
    assert descending["data"][0]["last_name"] == f"Zz{tag}4"


def test_list_refuses_bad_sort_and_oversized_pages(admin):
    for params in ({"sort": "password_hash"}, {"page_size": 101}, {"page": 0}, {"is_active": "maybe"}):
        response = admin.get("/v1/users", params=params)
        assert (response.status_code, response.json()["error"]["code"]) == (422, "VALIDATION_ERROR"), params


def test_reads_after_rest_writes_are_never_stale(admin):
    user = admin.post("/v1/users", json=new_user_body()).json()
    path = f"/v1/users/{user['id']}"
    listing = {"search": user["username"]}
    assert admin.get(path).json()["first_name"] == "Test"  # now cached
    assert admin.get("/v1/users", params=listing).json()["data"][0]["first_name"] == "Test"
    for name in ("One", "Two", "Three"):
        assert admin.patch(path, json={"first_name": name}).status_code == 200
        assert admin.get(path).json()["first_name"] == name
        assert admin.get("/v1/users", params=listing).json()["data"][0]["first_name"] == name
    admin.delete(path)
    assert admin.get(path).status_code == 404
    assert admin.get("/v1/users", params=listing).json()["data"] == []


def test_concurrent_creates_of_one_email_or_username_give_one_user_and_409s(admin):
    """Two workers race past the uniqueness check; the database's unique rules decide, and the
    losers get the same 409 as a plain duplicate (never a 500)."""
    from concurrent.futures import ThreadPoolExecutor

    for field, code in (("email", "EMAIL_TAKEN"), ("username", "USERNAME_TAKEN")):
        shared = new_user_body()
        bodies = [{**new_user_body(), field: shared[field]} for _ in range(8)]
        with ThreadPoolExecutor(len(bodies)) as pool:
            answers = list(pool.map(lambda body: admin.post("/v1/users", json=body), bodies))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201] + [409] * 7, [answer.text for answer in answers]
        assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {code}


def test_concurrent_changes_to_one_email_or_username_give_one_winner_and_409s(admin):
    """As for creates, but the unique rule is met by a change's UPDATE, which goes to the
    database with the change's records at the end of its transaction."""
    from concurrent.futures import ThreadPoolExecutor

    for field, code in (("email", "EMAIL_TAKEN"), ("username", "USERNAME_TAKEN")):
        ids = [admin.post("/v1/users", json=new_user_body()).json()["id"] for _ in range(6)]
        wanted = new_user_body()[field]
        with ThreadPoolExecutor(len(ids)) as pool:
            answers = list(pool.map(lambda user_id: admin.patch(f"/v1/users/{user_id}", json={field: wanted}), ids))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] + [409] * 5, [answer.text for answer in answers]
        assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {code}
        stored = [admin.get(f"/v1/users/{user_id}").json()[field].lower() for user_id in ids]
        holders = [value for value in stored if value == wanted.lower()]  # emails are stored normalised
        assert len(holders) == 1


def test_concurrent_changes_under_one_etag_let_exactly_one_through(admin):
    """The row lock serializes them: each reads the row only once the one before committed, so
    every one after the first sees a new ETag (412). Without the lock several would pass."""
    from concurrent.futures import ThreadPoolExecutor

    user = admin.post("/v1/users", json=new_user_body()).json()
    path, etag = f"/v1/users/{user['id']}", admin.get(f"/v1/users/{user['id']}").headers["ETag"]
    names = [f"Name{index}" for index in range(8)]
    with ThreadPoolExecutor(len(names)) as pool:
        answers = list(
            pool.map(lambda name: admin.patch(path, json={"first_name": name}, headers={"If-Match": etag}), names)
        )
    assert sorted(answer.status_code for answer in answers) == [200] + [412] * 7, [a.text for a in answers]
    (winner,) = [answer.json()["first_name"] for answer in answers if answer.status_code == 200]
    assert admin.get(path).json()["first_name"] == winner


def test_a_bad_list_query_is_answered_after_authentication_and_the_role_check(admin, anonymous, make_user):
    bad = {"sort": "password_hash", "page_size": 0}
    assert anonymous.get("/v1/users", params=bad).status_code == 401
    _, plain = make_user()
    assert plain.get("/v1/users", params=bad).json()["error"]["code"] == "FORBIDDEN"
    refused = admin.get("/v1/users", params=bad)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "VALIDATION_ERROR"
    assert {detail["field"] for detail in refused.json()["error"]["details"]} >= {"sort", "page_size"}
