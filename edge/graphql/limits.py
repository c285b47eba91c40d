"""What a document asks before it runs: how deep it nests, what it costs, and which users it
reads from the cache (so they come in the request's one Redis call, edge/gate.py).

Cost counts the fetches a document may make, as the REST requests it stands for: each root
field is one, and each per-user field (`User.sessions`, `User.auditEntries`) one per user it
may be asked for, lists counted at their `first` (connections) or a fixed estimate
(sessions). `users(first: 100) { edges { node { sessions { id } } } }` costs 1 + 100: what
a REST client pays to draw the same screen. The rate limit counts a query by that cost.
Scalars are free; introspection (`__schema`, `__type`) counts one and is not measured inside.
"""

import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
)

from usersvc.domain.commands import MAX_PAGE_SIZE

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"  # section 10's one code beyond section 1's
DEFAULT_PAGE = 20
SESSIONS_ESTIMATE = 10  # a user's active sessions, for cost: most have one or two
FETCHES = {("Query", "me"), ("Query", "user"), ("Query", "users"), ("Query", "auditEntries")}
FETCHES |= {("User", "sessions"), ("User", "auditEntries")}
INTROSPECTION = frozenset({"__schema", "__type"})
USER_IDS_KEPT = 8192


@dataclass(frozen=True)
class Measure:
    depth: int
    cost: int


class _Walk:
    def __init__(
        self, schema: GraphQLSchema | None, fragments: dict[str, FragmentDefinitionNode], variables: dict
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.read: set[str] = set()  # the variables asked for: a measure depends on these alone

    def fields(self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()) -> Iterator[FieldNode]:
        """The fields of a selection set, fragments expanded (validation has ruled out cycles;
        `seen` guards anyway)."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self.fields(fragment.selection_set, seen | {selection.name.value})

    def argument(self, node: FieldNode, name: str) -> object:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = argument.value
                if isinstance(value, VariableNode):
                    self.read.add(value.name.value)
                    return self.variables.get(value.name.value)
                if isinstance(value, IntValueNode):
                    return int(value.value)
                if isinstance(value, StringValueNode):
                    return value.value
        return None

    def page_size(self, node: FieldNode) -> int:
        first = self.argument(node, "first")
        return min(max(first, 1), MAX_PAGE_SIZE) if isinstance(first, int) else DEFAULT_PAGE

    def measure(self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType, *, times: int, page: int):
        """(depth, cost) of a selection set of `parent`, asked `times` times."""
        depth, cost = 0, 0
        for node in self.fields(selection_set):
            name = node.name.value
            if name in INTROSPECTION:
                depth, cost = max(depth, 1), cost + 1
                continue
            field = parent.fields.get(name)
            if field is None:  # __typename
                depth = max(depth, 1)
                continue
            if (parent.name, name) in FETCHES:
                cost += times
            child_type = get_named_type(field.type)
            if not isinstance(child_type, GraphQLObjectType):
                depth = max(depth, 1)
                continue
            child_times, child_page = times, page
            if name == "edges":
                child_times = times * page
            elif (parent.name, name) == ("User", "sessions"):
                child_times = times * SESSIONS_ESTIMATE
            if "first" in field.args:
                child_page = self.page_size(node)
            child_depth, child_cost = self.measure(node.selection_set, child_type, times=child_times, page=child_page)
            depth, cost = max(depth, 1 + child_depth), cost + child_cost
        return depth, cost


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict,
) -> Measure:
    return measure_reading(schema, operation, fragments, variables)[0]


def measure_reading(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict,
) -> tuple[Measure, frozenset[str]]:
    """The measure, and the variables it read (the `first` of lists): the same document with
    the same values of those measures the same (edge/graphql/plans.py keeps it so)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Measure(depth=0, cost=0), frozenset()
    walk = _Walk(schema, fragments, variables)
    depth, cost = walk.measure(operation.selection_set, root, times=1, page=DEFAULT_PAGE)
    return Measure(depth=depth, cost=cost), frozenset(walk.read)


def root_fields(operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> list[FieldNode]:
    """The operation's root fields, fragments expanded."""
    return list(_Walk(None, fragments, {}).fields(operation.selection_set))


def cached_users(roots: tuple[FieldNode, ...] | list[FieldNode], variables: dict, *, subject: str) -> set[str]:
    """The users whose cached entries a query's root fields (root_fields) answer from: the
    caller's for `me`, the named one for `user(id:)` (an id that is no UUID names no user:
    none is read)."""
    walk = _Walk(None, {}, variables)  # no types needed: only the root fields' names and ids
    wanted = set()
    for node in roots:
        if node.name.value == "me":
            wanted.add(subject)
        elif node.name.value == "user":
            parsed = user_id_of(str(walk.argument(node, "id")))
            if parsed is not None:
                wanted.add(parsed[1])
    return wanted


@functools.lru_cache(maxsize=USER_IDS_KEPT)
def user_id_of(value: str) -> tuple[uuid.UUID, str] | None:
    """A user id as a UUID and as its cache key names it, or None for a text that is no UUID
    (kept per text: a read asks for it twice, and the same users come back)."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return parsed, str(parsed)
