"""GraphQL documents measured before they run (edge/graphql/limits.py), and the introspection
switch."""

from types import SimpleNamespace

import pytest
from graphql import parse

from usersvc.edge.graphql.documents import checked_document, introspection_on
from usersvc.edge.graphql.limits import cached_users, measure, root_fields
from usersvc.edge.graphql.schema import executable_schema

SUBJECT = "0b0e3c6e-8f7e-4c1e-9d55-7a4a1e6a0f00"


def _measure(text: str, variables: dict | None = None):
    document = parse(text)
    operation = document.definitions[0]
    fragments = {d.name.value: d for d in document.definitions[1:]}
    return measure(executable_schema(), operation, fragments, variables or {})


@pytest.mark.parametrize(
    ("text", "depth", "cost"),
    [
        ("{ me { id } }", 2, 1),
        ("{ me { id sessions { id user { id } } } }", 4, 2),
        ("{ users(first: 100) { edges { node { id sessions { id } } } } }", 5, 101),
        ("{ users { totalCount edges { node { id sessions { id } auditEntries { action } } } } }", 5, 41),
        ("{ users(first: 10) { edges { node { sessions { user { sessions { id } } } } } } }", 7, 111),
        ("query($n: Int) { users(first: $n) { edges { node { sessions { id } } } } }", 5, 6),
        ("{ me { ...F } } fragment F on User { sessions { id } }", 3, 2),
        ("{ __schema { types { name fields { type { ofType { ofType { ofType { name } } } } } } } }", 1, 1),
    ],
)
def test_depth_and_cost(text, depth, cost):
    measured = _measure(text, {"n": 5})
    assert (measured.depth, measured.cost) == (depth, cost)


def test_the_users_read_from_the_cache_are_those_of_me_and_user():
    document = parse('query($id: ID!) { me { id } a: user(id: $id) { id } b: user(id: "nope") { id } }')
    roots = root_fields(document.definitions[0], {})
    found = cached_users(roots, {"id": "6F1C7A52-8D2E-4C59-9A57-2F4B8F0E7C11"}, subject=SUBJECT)
    assert found == {SUBJECT, "6f1c7a52-8d2e-4c59-9a57-2f4b8f0e7c11"}


def test_introspection_is_off_in_production_unless_told():
    assert introspection_on(SimpleNamespace(graphql_introspection=None, environment="development"))
    assert not introspection_on(SimpleNamespace(graphql_introspection=None, environment="production"))
    assert introspection_on(SimpleNamespace(graphql_introspection=True, environment="production"))
    assert checked_document("{ __schema { types { name } } }", False).errors
    assert not checked_document("{ __schema { types { name } } }", True).errors
    assert not checked_document("{ me { __typename id } }", False).errors
