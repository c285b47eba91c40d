"""The commonest reads answered without graphql-core's executor, once a document has run once.

A query whose one root field is `me`, `user(id:)` or `users(…)` with a selection a plan
completes (plans.py) asks nothing its resolver would not answer from what the admission
read: the user's cached entry, or the cached list page. Its answer is then the plan over
that entry, or, for a page, the answer the same document gave the same page bytes with the
same variables before (ANSWERS: bounded per process; an answer depends on nothing else, so
it is never stale: a change to any user on the page changes the bytes).

Every check of the resolver runs first, in the same order (the role of `users`, the read
rule of `user(id:)`, the variables' coercion, the arguments); anything else (a refusal, a
miss, a tombstone, data a plan leaves to graphql-core, a document not run yet) answers
None, and view.py executes the document as always, where the same checks answer as they
always have. The cache metrics count a hit here as the resolver would."""

from collections import OrderedDict
from dataclasses import dataclass

import orjson
from graphql import FieldNode, GraphQLError, GraphQLField, VariableNode, get_named_type
from graphql.execution.values import get_argument_values

from usersvc.cache_keys import TOMBSTONE
from usersvc.domain import rbac
from usersvc.domain.errors import DomainError
from usersvc.edge.caller import Caller
from usersvc.edge.graphql.limits import user_id_of
from usersvc.edge.graphql.plans import Prepared, complete_by_plan
from usersvc.edge.metrics import cache_lookup

FIELDS = frozenset({"me", "user", "users"})
ANSWERS_KEPT = 256  # answers of lone `users` documents kept per process, all documents together


class Answers:
    """Response bodies of lone `users` documents by (document, variables, page bytes), least
    recently used first out. An entry holds its Prepared, so the id in its key stays its own."""

    def __init__(self, size: int = ANSWERS_KEPT) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[int, bytes, bytes], tuple[Prepared, bytes]] = OrderedDict()

    def get(self, prepared: Prepared, key: tuple[bytes, bytes]) -> bytes | None:
        found = self.entries.get((id(prepared), *key))
        if found is None or found[0] is not prepared:
            return None
        self.entries.move_to_end((id(prepared), *key))
        return found[1]

    def put(self, prepared: Prepared, key: tuple[bytes, bytes], body: bytes) -> None:
        self.entries[(id(prepared), *key)] = (prepared, body)
        self.entries.move_to_end((id(prepared), *key))
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


ANSWERS = Answers()


def page_answer_key(variables: dict, page: bytes) -> tuple[bytes, bytes] | None:
    try:
        return orjson.dumps(variables, option=orjson.OPT_SORT_KEYS), page
    except TypeError:
        return None


@dataclass(frozen=True)
class Root:
    """What answer() needs of a prepared document's lone root field, worked out once."""

    node: FieldNode
    name: str
    key: str  # its response key (an alias, or its name)
    field: GraphQLField
    plan: tuple
    id_variable: str | None  # user(id: $var): the variable (else get_argument_values reads it)


def root_of(prepared: Prepared) -> Root | None:
    root = prepared.direct_root
    if root is not None:
        return root
    node = prepared.lone_root_field
    if node is None or node.name.value not in FIELDS:
        return None
    field = prepared.schema.query_type.fields[node.name.value]  # type: ignore[union-attr]
    plan = prepared.root_plan(get_named_type(field.type))
    if plan is None:  # not run yet, or no plan: ask again next time
        return None
    id_argument = next((argument.value for argument in node.arguments or () if argument.name.value == "id"), None)
    id_variable = id_argument.name.value if isinstance(id_argument, VariableNode) else None
    key = node.alias.value if node.alias else node.name.value
    prepared.direct_root = Root(node, node.name.value, key, field, plan, id_variable)
    return prepared.direct_root


def answer(
    prepared: Prepared, caller: Caller, cached: dict[str, bytes | None], variables: dict, page: bytes | None
) -> bytes | None:
    """The response body, or None: execute the document (module docstring). `cached`: the
    users' entries the admission read (resolvers.Context.cached); `page`: the cached list
    page it read for `users`, if any."""
    root = root_of(prepared)
    if root is None:
        return None
    principal = caller.principal
    try:
        if root.name == "users":
            rbac.require_role(principal, *rbac.STAFF)
            answer_key = page_answer_key(variables, page) if page is not None else None
            body = ANSWERS.get(prepared, answer_key) if answer_key is not None else None
            if body is not None:
                cache_lookup("list", "hit").inc()
            return body
        coerced = prepared.variable_values(variables)
        if isinstance(coerced, list):  # the execution answers these errors
            return None
        if root.name == "user":
            # as get_argument_values: a variable's coerced value (ID!: never null here)
            given = coerced.coerced.get(root.id_variable) if root.id_variable else None
            if given is None:
                given = get_argument_values(root.field, root.node, coerced)["id"]
            parsed = user_id_of(given) if isinstance(given, str) else None
            if parsed is None:  # as user_id_from_path: no such user, which the execution answers
                return None
            rbac.authorize_read(principal, parsed[0])  # as resolve_user: user_id_from_path's UUID
        else:
            parsed = user_id_of(caller.user_id)
            if parsed is None:
                return None
        entry = cached.get(parsed[1])
        if entry is None or entry == TOMBSTONE:
            return None
        completed = complete_by_plan(root.plan, orjson.loads(entry))
    except (DomainError, GraphQLError, KeyError, TypeError, ValueError):
        return None
    if completed is None:
        return None
    cache_lookup("user", "hit").inc()
    return orjson.dumps({"data": {root.key: completed}})


def remember(prepared: Prepared, variables: dict, page: bytes | None, body: bytes) -> None:
    """Keep an executed `users` answer for its page's bytes and variables (answer())."""
    node = prepared.lone_root_field
    if page is None or node is None or node.name.value != "users":
        return
    answer_key = page_answer_key(variables, page)
    if answer_key is not None:
        ANSWERS.put(prepared, answer_key, body)
