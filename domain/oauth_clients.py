"""The rules a client's registration must keep as a whole, on create and after every change
(section 7 of the contract): its redirect URIs (domain/oauth.py `redirect_uri_problem`), a
redirect URI for the authorization-code grant, client credentials for confidential clients
only. Field by field rules are in the commands' models (domain/commands.py)."""

from collections.abc import Mapping
from typing import Any

from usersvc.domain.errors import DomainError, ErrorCode, FieldError
from usersvc.domain.oauth import redirect_uri_problem

URI_LISTS = ("redirect_uris", "post_logout_redirect_uris")


def registration_problems(client: Mapping[str, Any], *, development: bool) -> list[FieldError]:
    """What is wrong with a client's fields (name, type, redirect_uris, post_logout_redirect_uris,
    grant_types, …) taken together; [] when nothing is."""
    problems = []
    for field in URI_LISTS:
        for index, uri in enumerate(client[field]):
            problem = redirect_uri_problem(uri, development=development)
            if problem:
                problems.append(FieldError(field=f"{field}.{index}", message=problem))
    if "authorization_code" in client["grant_types"] and not client["redirect_uris"]:
        problems.append(
            FieldError(field="redirect_uris", message="at least one is needed with the authorization_code grant")
        )
    if "client_credentials" in client["grant_types"] and client["type"] != "confidential":
        problems.append(FieldError(field="grant_types", message="client_credentials is for confidential clients only"))
    return problems


def check_registration(client: Mapping[str, Any], *, development: bool) -> None:
    """VALIDATION_ERROR naming every problem of `registration_problems`."""
    problems = registration_problems(client, development=development)
    if problems:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "Request validation failed", problems)
