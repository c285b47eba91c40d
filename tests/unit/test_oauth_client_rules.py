"""A client's registration rules (domain/commands.py models, domain/oauth_clients.py), no I/O."""

from typing import get_args

import pytest
from pydantic import ValidationError

from usersvc.domain.commands import (
    ClientType,
    CreateOAuthClient,
    GrantType,
    IdTokenAlgorithm,
    Scope,
    UpdateOAuthClient,
)
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.oauth import CLIENT_TYPES, GRANT_TYPES, ID_TOKEN_ALGORITHMS, SCOPES
from usersvc.domain.oauth_clients import check_registration, registration_problems


def client(**overrides) -> dict:
    return CreateOAuthClient(
        **{"name": "App", "type": "confidential", "redirect_uris": ["https://app.example.com/cb"], **overrides}
    ).model_dump()


def problems(development: bool = False, **overrides) -> list[tuple[str, str]]:
    return [
        (problem.field, problem.message)
        for problem in registration_problems(client(**overrides), development=development)
    ]


def test_the_models_allow_exactly_what_the_provider_knows():
    assert get_args(GrantType) == GRANT_TYPES
    assert get_args(Scope) == SCOPES
    assert get_args(ClientType) == CLIENT_TYPES
    assert get_args(IdTokenAlgorithm) == ID_TOKEN_ALGORITHMS


def test_defaults_are_the_contracts():
    registered = client()
    assert registered["first_party"] is False
    assert registered["grant_types"] == ["authorization_code", "refresh_token"]
    assert registered["scopes"] == ["openid", "profile", "email", "offline_access"]
    assert registered["post_logout_redirect_uris"] == []
    assert registered["id_token_signed_response_alg"] == "RS256"


def test_a_well_formed_registration_has_no_problem():
    assert problems() == []
    assert problems(redirect_uris=["http://127.0.0.1:8080/cb", "http://[::1]/cb", "https://a.example.com/x?y=1"]) == []
    assert problems(type="public", redirect_uris=["https://spa.example.com/"]) == []
    assert problems(redirect_uris=[], grant_types=["client_credentials"]) == []


@pytest.mark.parametrize(
    "uri",
    [
        "http://app.example.com/cb",  # plain http outside development
        "https://app.example.com/cb#fragment",
        "https://user:pw@app.example.com/cb",
        "https://*.example.com/cb",
        "/relative",
        "app.example.com/cb",
        "https://app.example.com/a b",
        "https://app.example.com:99999/cb",
        "ftp://app.example.com/cb",
        "http://localhost/cb",  # loopback by address only (RFC 8252 §8.3)
    ],
)
def test_redirect_uris_outside_development_follow_the_rules(uri):
    assert [field for field, _ in problems(redirect_uris=[uri])] == ["redirect_uris.0"]
    assert [field for field, _ in problems(post_logout_redirect_uris=["https://ok.example.com", uri])] == [
        "post_logout_redirect_uris.1"
    ]


def test_plain_http_is_allowed_in_development_only():
    assert problems(development=True, redirect_uris=["http://app.example.com/cb"]) == []
    assert problems(development=False, redirect_uris=["http://app.example.com/cb"]) != []


def test_the_authorization_code_grant_needs_a_redirect_uri():
    assert [field for field, _ in problems(redirect_uris=[])] == ["redirect_uris"]


def test_client_credentials_are_for_confidential_clients():
    assert [field for field, _ in problems(type="public", grant_types=["client_credentials"], redirect_uris=[])] == [
        "grant_types"
    ]


def test_check_registration_names_every_problem_in_one_refusal():
    with pytest.raises(DomainError) as refusal:
        check_registration(
            client(type="public", grant_types=["authorization_code", "client_credentials"], redirect_uris=[]),
            development=False,
        )
    assert refusal.value.code == ErrorCode.VALIDATION_ERROR
    assert [detail.field for detail in refusal.value.details] == ["redirect_uris", "grant_types"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"type": "private"}, "type"),
        ({"grant_types": ["password"]}, "grant_types.0"),
        ({"grant_types": []}, "grant_types"),
        ({"scopes": ["openid", "root"]}, "scopes.1"),
        ({"id_token_signed_response_alg": "none"}, "id_token_signed_response_alg"),
        ({"redirect_uris": "https://a.example.com"}, "redirect_uris"),
        ({"redirect_uris": [1]}, "redirect_uris.0"),
        ({"redirect_uris": ["https://app.example.com/" + "x" * 2000]}, "redirect_uris.0"),
        ({"first_party": "true"}, "first_party"),
        ({"client_secret": "mine"}, "client_secret"),
    ],
)
def test_field_rules(overrides, field):
    with pytest.raises(ValidationError) as refusal:
        client(**overrides)
    assert field in {".".join(str(part) for part in error["loc"]) for error in refusal.value.errors()}


def test_lists_drop_duplicates_in_order():
    registered = client(
        scopes=["email", "openid", "email"], redirect_uris=["https://b.example.com", "https://b.example.com"]
    )
    assert registered["scopes"] == ["email", "openid"] and registered["redirect_uris"] == ["https://b.example.com"]


def test_a_patch_changes_only_what_it_names_and_refuses_nulls():
    assert UpdateOAuthClient(client_id="c", redirect_uris=["https://a.example.com"]).changes() == {
        "redirect_uris": ["https://a.example.com"]
    }
    for field in ("name", "type", "redirect_uris", "grant_types", "scopes", "first_party"):
        with pytest.raises(ValidationError) as refusal:
            UpdateOAuthClient(client_id="c", **{field: None})
        assert refusal.value.errors()[0]["loc"] == (field,)
