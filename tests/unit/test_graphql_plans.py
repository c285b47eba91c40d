"""Completing by plan answers what graphql-core answers, errors included (edge/graphql/plans.py):
each document runs with its prepared executor and with graphql-core's own, on good data and
on data graphql-core refuses."""

import copy
import uuid

import pytest
from graphql import execute, parse, validate

from usersvc.edge.graphql.completion import MEMO
from usersvc.edge.graphql.plans import Prepared
from usersvc.edge.graphql.schema import executable_schema

FIELDS = (
    "id username email firstName lastName phone role isActive emailVerified mfaEnabled lastLoginAt createdAt updatedAt"
)


def _user(number: int) -> dict:
    return {
        "id": str(uuid.UUID(int=number)),
        "username": f"user{number}",
        "email": f"user{number}@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": None if number % 2 else "+1 555 0100",
        "role": "moderator" if number % 3 == 0 else "user",
        "is_active": True,
        "email_verified": number % 2 == 0,
        "mfa_enabled": False,
        "last_login_at": None,
        "created_at": "2026-01-01T00:00:00.000000Z",
        "updated_at": "2026-01-02T00:00:00.000000Z",
    }


def _page(count: int = 3) -> dict:
    return {
        "edges": [{"node": _user(n), "cursor": f"c{n}"} for n in range(1, count + 1)],
        "page_info": {"has_next_page": True, "end_cursor": f"c{count}"},
        "total_count": 40,
    }


def _both(text: str, field: str, value: object, variables: dict | None = None):
    """(by plan, by graphql-core) for the root `field` resolving to `value`."""
    schema = executable_schema()
    document = parse(text)
    assert not validate(schema, document)
    prepared = Prepared(schema, document, document.definitions[0], {})
    root = schema.query_type.fields[field]
    original, root.resolve = root.resolve, lambda *_, **__: copy.deepcopy(value)
    try:
        MEMO.entries.clear()
        planned = execute(schema, document, variable_values=variables, executor_class=prepared.executor_class)
        MEMO.entries.clear()
        plain = execute(schema, parse(text), variable_values=variables)
    finally:
        root.resolve = original
    return planned, plain, prepared


def _shape(result) -> tuple:
    errors = [(e.message, e.path, [(p.line, p.column) for p in e.locations or ()]) for e in result.errors or ()]
    return result.data, errors


USER_DOCUMENTS = [
    "query($id: ID!) { user(id: $id) { " + FIELDS + " } }",
    "query($id: ID!) { user(id: $id) { __typename name: username id etag who: id role } }",
    "query($id: ID!) { user(id: $id) { ...Person ... on User { email id } } } fragment Person on User { id username }",
    "query($id: ID!) { user(id: $id) { id id username } }",
]
LIST_DOCUMENTS = [
    "{ users(first: 3) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { " + FIELDS + " } } } }",
    "{ users { __typename edges { __typename node { ... on User { etag id } } } pageInfo { endCursor } } }",
]


@pytest.mark.parametrize("text", USER_DOCUMENTS)
def test_a_user_completes_by_plan_as_graphql_core_completes_it(text):
    planned, plain, prepared = _both(text, "user", _user(3), {"id": "x"})
    assert _shape(planned) == _shape(plain) and not planned.errors
    assert list(planned.data["user"]) == list(plain.data["user"])  # the same order of keys
    assert any(plan is not None for plan in prepared.executor_class.plans.values())


@pytest.mark.parametrize("text", LIST_DOCUMENTS)
def test_a_page_completes_by_plan_as_graphql_core_completes_it(text):
    planned, plain, prepared = _both(text, "users", _page())
    assert _shape(planned) == _shape(plain) and not planned.errors
    assert any(plan is not None for plan in prepared.executor_class.plans.values())


BAD_USERS = {
    "a null where none may be": {"username": None},
    "a value its type refuses": {"is_active": "yes"},
    "no such role": {"role": "superuser"},
    "a number as a string": {"first_name": 7},
    "a callable": {"email": lambda *_: "called@example.com"},
}


@pytest.mark.parametrize("change", BAD_USERS.values(), ids=BAD_USERS.keys())
def test_data_graphql_core_refuses_is_answered_as_graphql_core_answers_it(change):
    planned, plain, _ = _both(USER_DOCUMENTS[0], "user", {**_user(3), **change}, {"id": "x"})
    assert _shape(planned) == _shape(plain)
    page = _page()
    page["edges"][1]["node"].update(change)
    planned, plain, _ = _both(LIST_DOCUMENTS[0], "users", page)
    assert _shape(planned) == _shape(plain)


@pytest.mark.parametrize(
    "page",
    [
        {**_page(), "edges": "not a list"},
        {**_page(), "edges": [None]},
        {**_page(), "page_info": ["not", "an", "object"]},
        {**_page(), "total_count": None},
        "not an object",
    ],
)
def test_a_malformed_page_is_answered_as_graphql_core_answers_it(page):
    planned, plain, _ = _both(LIST_DOCUMENTS[0], "users", page)
    assert _shape(planned) == _shape(plain) and plain.errors


def test_a_document_with_directives_gets_no_plans():
    text = "query($e: Boolean!) { user(id: 1) { id email @include(if: $e) } }"
    planned, plain, prepared = _both(text, "user", _user(1), {"e": False})
    assert _shape(planned) == _shape(plain)
    assert not hasattr(prepared.executor_class, "plans") or not prepared.executor_class.plans


def test_the_measure_is_kept_per_value_of_the_variables_it_reads():
    schema = executable_schema()
    text = "query($n: Int, $id: ID!) { users(first: $n) { edges { node { sessions { id } } } } user(id: $id) { id } }"
    document = parse(text)
    prepared = Prepared(schema, document, document.definitions[0], {})
    assert prepared.size({"n": 5, "id": "a"}).cost == 1 + 5 + 1
    assert prepared.size({"n": 5, "id": "b"}).cost == 1 + 5 + 1 and len(prepared._sizes) == 1  # id is not read
    assert prepared.size({"n": 7, "id": "a"}).cost == 1 + 7 + 1
    assert prepared.size({"n": 7.0, "id": "a"}).cost == 1 + 20 + 1  # not an Int: the default page, not 7's
    assert prepared.size({"n": [1], "id": "a"}).cost == 1 + 20 + 1  # unhashable: measured, not kept


VARIABLES = [
    {"id": "6f1c7a52-8d2e-4c59-9a57-2f4b8f0e7c11", "n": 5, "on": True, "s": "x"},
    {"id": 7, "n": 5},  # an Int for an ID
    {"id": "a", "n": "5"},  # refused: n is no Int
    {"n": 5},  # refused: id is missing
    {"id": None, "n": 5},  # refused: id is null
    {"id": "a", "n": 2**40},  # refused: not 32 bits
    {"id": "a", "n": None, "extra": [1]},
    {"id": ["a"]},  # refused: a list for an ID
]


@pytest.mark.parametrize("variables", VARIABLES)
def test_variables_are_coerced_as_graphql_core_coerces_them(variables):
    from graphql.execution.values import get_variable_values

    schema = executable_schema()
    text = "query($id: ID!, $n: Int, $on: Boolean, $s: String) { user(id: $id) { id } users(first: $n) { totalCount } }"
    document = parse(text)
    prepared = Prepared(schema, document, document.definitions[0], {})
    ours = prepared.variable_values(variables)
    theirs = get_variable_values(schema, document.definitions[0].variable_definitions, variables)
    if isinstance(theirs, list):
        assert [e.message for e in ours] == [e.message for e in theirs]
    else:
        assert ours.coerced == theirs.coerced
        assert {name: source.value for name, source in ours.sources.items()} == {
            name: source.value for name, source in theirs.sources.items()
        }
        assert prepared._signatures() is not None  # the quick way was taken


def test_kept_page_answers_are_bounded_and_belong_to_their_document():
    from usersvc.edge.graphql.direct import Answers

    schema = executable_schema()
    one, other = (parse("{ users { totalCount } }") for _ in range(2))
    first = Prepared(schema, one, one.definitions[0], {})
    second = Prepared(schema, other, other.definitions[0], {})
    answers = Answers(size=2)
    answers.put(first, (b"{}", b"page 1"), b"one")
    answers.put(first, (b"{}", b"page 2"), b"two")
    assert answers.get(first, (b"{}", b"page 1")) == b"one"  # now the most recent
    assert answers.get(second, (b"{}", b"page 1")) is None  # another document's
    answers.put(first, (b"{}", b"page 3"), b"three")
    assert answers.get(first, (b"{}", b"page 2")) is None and len(answers.entries) == 2
    assert answers.get(first, (b"{}", b"page 1")) == b"one"
