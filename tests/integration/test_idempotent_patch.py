"""PATCH /v1/users/{id} with an Idempotency-Key: a client that retries a change it got no
answer to (a 504 after a broker node was lost) with the same key gets the first answer, and
the change is not made twice."""

import uuid


def test_a_patch_sent_again_with_its_key_answers_the_same_and_changes_nothing(admin, make_user):
    user, _ = make_user()
    path = f"/v1/users/{user['id']}"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = admin.patch(path, json={"first_name": "Once"}, headers=key)
    assert first.status_code == 200
    assert admin.patch(path, json={"first_name": "Later"}).status_code == 200  # a change after it

    again = admin.patch(path, json={"first_name": "Once"}, headers=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert admin.get(path).json()["first_name"] == "Later"  # not made again
    changes = admin.get("/v1/audit-logs", params={"entity_id": user["id"], "action": "user.update"}).json()["data"]
    assert len(changes) == 2


def test_the_same_key_with_another_body_is_refused(admin, make_user):
    user, _ = make_user()
    path = f"/v1/users/{user['id']}"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert admin.patch(path, json={"first_name": "One"}, headers=key).status_code == 200
    refused = admin.patch(path, json={"first_name": "Two"}, headers=key)
    assert refused.status_code == 422
    assert admin.get(path).json()["first_name"] == "One"
