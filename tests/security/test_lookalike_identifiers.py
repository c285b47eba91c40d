"""Look-alikes of an existing account's email or username cannot be made, by any door: admin
create, PATCH, registration, import. Case, full-width and other compatibility forms and a
domain's Unicode or punycode spelling normalise to one identifier; Latin mixed with
look-alike letters of another script is refused; login accepts every form of an identifier."""

import uuid

import pytest
from passlib.hash import bcrypt

from tests.integration.bus import BusClient
from tests.security.test_login_abuse import THRESHOLD, WRONG_PASSWORD, attempt, fresh_ipv4, outcome
from tests.support import USER_PASSWORD, login, new_user_body

FULL_WIDTH = {chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)}


def full_width(text: str) -> str:
    """`ａｄｍｉｎ`: each ASCII character as its full-width form (NFKC maps them back)."""
    return "".join(FULL_WIDTH.get(char, char) for char in text)


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _base_name() -> str:
    return f"la_{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda email: full_width(email.split("@")[0]) + "@" + email.split("@")[1], id="full-width local"),
        pytest.param(full_width, id="full-width address"),
        pytest.param(str.upper, id="upper case"),
    ],
)
def test_a_look_alike_of_an_existing_email_is_taken(admin, variant):
    name = _base_name()
    assert admin.post("/v1/users", json=new_user_body(username=name, email=f"{name}@example.com")).status_code == 201
    copy = new_user_body(email=variant(f"{name}@example.com"))
    assert _code(admin.post("/v1/users", json=copy)) == (409, "EMAIL_TAKEN")


def test_a_domain_in_unicode_and_in_punycode_is_one_address(admin):
    name = _base_name()
    created = admin.post("/v1/users", json=new_user_body(username=name, email=f"{name}@bücher.example"))
    assert created.status_code == 201, created.text
    copy = new_user_body(email=f"{name}@xn--bcher-kva.example")
    assert _code(admin.post("/v1/users", json=copy)) == (409, "EMAIL_TAKEN")


def test_a_full_width_copy_of_an_existing_username_is_taken(admin, anonymous):
    name = _base_name()
    assert admin.post("/v1/users", json=new_user_body(username=name)).status_code == 201
    for username in (full_width(name), full_width(name.upper())):
        assert _code(admin.post("/v1/users", json=new_user_body(username=username))) == (409, "USERNAME_TAKEN")
        registration = {key: value for key, value in new_user_body(username=username).items() if key != "role"}
        assert _code(anonymous.post("/v1/auth/register", json=registration)) == (409, "USERNAME_TAKEN")


def test_patch_or_put_to_a_look_alike_of_another_account_is_taken(admin, make_user):
    owner, _ = make_user()
    other, _ = make_user()
    email_copy = full_width(owner["email"].split("@")[0]) + "@" + owner["email"].split("@")[1].upper()
    patch = admin.patch(f"/v1/users/{other['id']}", json={"email": email_copy})
    assert _code(patch) == (409, "EMAIL_TAKEN")
    patch = admin.patch(f"/v1/users/{other['id']}", json={"username": full_width(owner["username"])})
    assert _code(patch) == (409, "USERNAME_TAKEN")
    profile = {key: other[key] for key in ("username", "email", "first_name", "last_name")}
    put = admin.put(f"/v1/users/{other['id']}", json={**profile, "email": email_copy})
    assert _code(put) == (409, "EMAIL_TAKEN")
    put = admin.put(f"/v1/users/{other['id']}", json={**profile, "username": full_width(owner["username"].upper())})
    assert _code(put) == (409, "USERNAME_TAKEN")


@pytest.mark.parametrize("email", ["аdmin_{}@example.com", "admin_{}@exаmple.com"])  # Cyrillic а
def test_latin_mixed_with_cyrillic_look_alikes_is_refused(admin, email):
    response = admin.post("/v1/users", json=new_user_body(email=email.format(uuid.uuid4().hex[:8])))
    assert _code(response) == (422, "VALIDATION_ERROR")
    assert response.json()["error"]["details"][0]["field"] == "email"


def test_a_cyrillic_username_is_refused(admin):
    response = admin.post("/v1/users", json=new_user_body(username="аdmin_" + uuid.uuid4().hex[:8]))
    assert _code(response) == (422, "VALIDATION_ERROR")


def test_login_accepts_every_form_of_an_identifier(stack, admin):
    name = _base_name()
    body = new_user_body(username=name, email=f"{name}@bücher.example")
    created = admin.post("/v1/users", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["email"] == f"{name}@bücher.example"
    for identifier in (
        {"email": full_width(name) + "@XN--BCHER-KVA.EXAMPLE"},
        {"email": f"{name.upper()}@bücher.example"},
        {"username": full_width(name.upper())},
    ):
        assert (
            login(stack.base_url, USER_PASSWORD, **identifier).get("/v1/auth/me").json()["id"] == created.json()["id"]
        )


async def test_import_skips_a_look_alike_of_an_existing_email(stack, admin):
    name = _base_name()
    assert admin.post("/v1/users", json=new_user_body(username=name, email=f"{name}@example.com")).status_code == 201
    imported = {
        **{key: value for key, value in new_user_body().items() if key not in ("password", "role")},
        "email": full_width(name) + "@EXAMPLE.com",
        "password_hash": bcrypt.using(rounds=4).hash(USER_PASSWORD),
    }
    async with BusClient(stack.amqp_url) as bus:
        reply = await bus.call("user.import", {"users": [imported]})
    assert reply["ok"], reply
    assert [result["status"] for result in reply["data"]["results"]] == ["skipped"]


def test_look_alike_spellings_of_an_email_share_one_login_back_off(stack, admin):
    """Each spelling of an address is the same account, so it is one back-off counter: ten
    failures in ten spellings hold the next login back, the right password included."""
    name = _base_name()
    assert admin.post("/v1/users", json=new_user_body(username=name, email=f"{name}@example.com")).status_code == 201
    spellings = {(full_width(name[:cut]) + name[cut:]).upper() + "@EXAMPLE.com" for cut in range(THRESHOLD)}
    assert len(spellings) == THRESHOLD
    failures = [outcome(attempt(stack, {"email": email}, WRONG_PASSWORD, ip=fresh_ipv4())) for email in spellings]
    assert failures == [(401, "INVALID_CREDENTIALS")] * THRESHOLD
    held = attempt(stack, {"email": f"{name}@example.com"}, USER_PASSWORD, ip=fresh_ipv4())
    assert outcome(held) == (429, "RATE_LIMITED")
