"""A completed page of users is kept per document, variables and data (edge/graphql/completion.py)."""

import asyncio
import uuid

from graphql import execute, parse

from usersvc.edge.graphql.completion import MEMO, PageMemoExecutor
from usersvc.edge.graphql.schema import executable_schema


def _page(first_name: str) -> dict:
    user = {
        "id": str(uuid.UUID(int=7)),
        "username": "abc",
        "email": "a@example.com",
        "first_name": first_name,
        "last_name": "B",
        "phone": None,
        "role": "user",
        "is_active": True,
        "email_verified": False,
        "mfa_enabled": False,
        "last_login_at": None,
        "created_at": "2026-01-01T00:00:00.000000Z",
        "updated_at": "2026-01-01T00:00:00.000000Z",
    }
    return {"edges": [{"node": user, "cursor": "c"}], "page_info": {"has_next_page": False}, "total_count": 1}


def _run(text: str, page: dict, variables: dict | None = None):
    def users(*_, **__):
        return page

    schema = executable_schema()
    field = schema.query_type.fields["users"]
    original, field.resolve = field.resolve, users
    try:
        return execute(schema, parse(text), variable_values=variables, executor_class=PageMemoExecutor)
    finally:
        field.resolve = original


def test_the_same_page_completes_from_memory_and_a_changed_one_does_not():
    MEMO.entries.clear()
    text = "query($e: Boolean!) { users { totalCount edges { node { firstName etag email @include(if: $e) } } } }"
    first = _run(text, _page("Ann"), {"e": True})
    assert len(MEMO.entries) == 1
    again = _run(text, _page("Ann"), {"e": True})
    assert again.data == first.data and len(MEMO.entries) == 1
    changed = _run(text, _page("Bob"), {"e": True})
    assert changed.data["users"]["edges"][0]["node"]["firstName"] == "Bob" and len(MEMO.entries) == 2
    without_email = _run(text, _page("Bob"), {"e": False})
    assert "email" not in without_email.data["users"]["edges"][0]["node"] and len(MEMO.entries) == 3


def test_a_selection_that_runs_resolvers_is_never_kept():
    MEMO.entries.clear()

    async def run():
        return await _run("{ users { edges { node { sessions { id } } } } }", _page("Ann"))

    result = asyncio.run(run())
    assert result.errors  # no request context here: the resolver ran, and refused
    assert len(MEMO.entries) == 0
