"""What every request of one document works out the same way, worked out once per document.

`Prepared` is an operation of a parsed and validated document (documents.py keeps them with
the document, so per query text or persisted hash, bounded): its fragments, its depth and
cost per value of the variables that decide them (the lists' `first`), and its executor.

Its executor completes an object whose selection runs no resolver of ours by a plan made
once per document and selection: `{ user(id:) { id username … } }` or a page of users is a
walk over the resolved dicts, each field's value coerced by the type graphql-core would
coerce it with, in the order graphql-core would put it. graphql-core itself completes one
field at a time (a resolve info, a resolver call and a completion each, about 7 µs), which
was most of a GraphQL read's time on the edge. Anything a plan does not know, or any value
it would not answer as graphql-core does (a null where none may be, a value its type
refuses, something not a dict), sends that object back to graphql-core's completion, which
answers it, errors included, as it always has: a plan only reads and coerces, so doing it
again changes nothing.

A plan covers: the default field resolver and Ariadne's name-converting one (a dict key),
resolvers marked `pure` in resolvers.py (synchronous, reading the parent alone: `etag`),
`__typename`, fields without arguments, leaves, objects and lists of them. A document with a
directive (`@include`, `@skip`, `@defer`) gets no plan; a field with arguments or another
resolver (`sessions`, `auditEntries`) leaves its object to graphql-core."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource, get_variable_values
from graphql.pyutils import Path, Undefined
from graphql.utilities.coerce_input_value import coerce_input_value

from usersvc.edge.graphql.completion import PageMemoExecutor
from usersvc.edge.graphql.limits import Measure, measure_reading, root_fields

SIZES_KEPT = 64  # measures per document (by the values of the variables they read)
PURE = "_usersvc_pure"  # marks a resolver a plan may call: sync, reads its parent alone

LEAF, OBJECT, LIST = 0, 1, 2


def pure(resolver: Callable) -> Callable:
    """A resolver that is synchronous, raises nothing a dict of its type could make it
    raise, and reads only its parent (not `info`): a plan calls it as `resolver(parent, None)`."""
    setattr(resolver, PURE, True)
    return resolver


class _Fallback(Exception):
    """This object is graphql-core's to complete."""


# One field of a plan: (response key, dict key or None, pure resolver or None, kind,
# non-null, coerce (LEAF) / sub-plan (OBJECT) / (item kind, item non-null, item's) (LIST)).
Entry = tuple[str, str | None, Callable | None, int, bool, Any]


def _same(value: Any) -> Any:
    return value


def _item(kind: int, how: Any, value: Any) -> Any:
    if kind == LEAF:
        coerced = how(value)
        if coerced is None or coerced is Undefined:
            raise _Fallback
        return coerced
    return _complete(how, value)


def _complete(plan: tuple[Entry, ...], source: Any) -> dict:
    if not isinstance(source, Mapping):
        raise _Fallback
    out: dict[str, Any] = {}
    for key, name, call, kind, non_null, how in plan:
        if call is None:
            value = source.get(name)
            if callable(value):  # the default resolver would call it
                raise _Fallback
        else:
            value = call(source, None)
        if value is None:
            if non_null:
                raise _Fallback
            out[key] = None
        elif kind == LEAF:
            coerced = how(value)
            if coerced is None or coerced is Undefined:
                raise _Fallback
            out[key] = coerced
        elif kind == OBJECT:
            out[key] = _complete(how, value)
        else:
            item_kind, item_non_null, item_how = how
            if not isinstance(value, list | tuple):
                raise _Fallback
            items: list[Any] = []
            for item in value:
                if item is None:
                    if item_non_null:
                        raise _Fallback
                    items.append(None)
                else:
                    items.append(_item(item_kind, item_how, item))
            out[key] = items
    return out


def complete_by_plan(plan: tuple[Entry, ...], value: Any) -> dict | None:
    """`value` completed by `plan`, or None where graphql-core must complete it."""
    try:
        return _complete(plan, value)
    except Exception:
        return None


def _getter(field_def: Any, name: str) -> tuple[str | None, Callable | None] | None:
    """How a plan reads the field: (dict key, None), (None, pure resolver), or None: it can't."""
    resolve = field_def.resolve
    if resolve is None:  # graphql-core's default resolver: the field's name
        return name, None
    if getattr(resolve, "_ariadne_alias_resolver", False):  # ariadne.resolve_to(attr_name)
        cells = dict(zip(resolve.__code__.co_freevars, resolve.__closure__ or (), strict=False))
        attr = cells.get("attr_name")
        key = attr.cell_contents if attr is not None else None
        return (key, None) if isinstance(key, str) and "." not in key else None
    if getattr(resolve, PURE, False):
        return None, resolve
    return None


class PlanningExecutor(PageMemoExecutor):
    """graphql-core's executor, completing objects by plan where one can be made (above).
    Each document's executor class has its own `plans` (by the object type and the identity
    of the selection's nodes, which its document keeps alive)."""

    plans: ClassVar[dict[tuple, tuple[Entry, ...] | None]] = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        key = (return_type.name, *(id(details.node) for details in field_details_list))
        try:
            plan = self.plans[key]
        except KeyError:
            plan = self.plans[key] = self._plan(return_type, field_details_list)
        completed = None if plan is None else complete_by_plan(plan, result)
        if completed is not None:
            return completed
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def _plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> tuple[Entry, ...] | None:
        if self.middleware_manager is not None or object_type.is_type_of is not None:
            return None
        if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in field_details_list):
            return None
        grouped, new_defers, _ = self.collect_subfields(object_type, field_details_list)
        if new_defers:
            return None
        plan: list[Entry] = []
        for response_key, details in grouped.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                typename = object_type.name  # its value, a String already

                def of_type(_source: Any, _info: Any, typename: str = typename) -> str:
                    return typename

                plan.append((response_key, None, of_type, LEAF, True, _same))
                continue
            field_def = self.schema.get_field(object_type, name)
            if field_def is None or field_def.args or node.arguments:
                return None
            getter = _getter(field_def, name)
            shape = self._shape(field_def.type, details)
            if getter is None or shape is None:
                return None
            plan.append((response_key, *getter, *shape))
        return tuple(plan)

    def _shape(self, type_: GraphQLOutputType, details: FieldDetailsList, *, in_list: bool = False) -> tuple | None:
        """(kind, non-null, coerce / sub-plan / item shape) of a field's type, or None."""
        non_null = is_non_null_type(type_)
        named = type_.of_type if non_null else type_  # type: ignore[union-attr]
        if is_leaf_type(named):
            return LEAF, non_null, named.coerce_output_value  # type: ignore[union-attr]
        if is_object_type(named):
            sub = self._plan(named, details)  # type: ignore[arg-type]
            return None if sub is None else (OBJECT, non_null, sub)
        if is_list_type(named) and not in_list:
            item = self._shape(named.of_type, details, in_list=True)  # type: ignore[union-attr]
            return None if item is None else (LIST, non_null, (item[0], item[1], item[2]))
        return None  # abstract types, lists of lists


@dataclass
class Prepared:
    """One operation of a checked document, with what its requests share."""

    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    executor_class: type[PlanningExecutor] = field(init=False)
    lone_root_field: FieldNode | None = field(default=None, init=False)
    # view.users_page's answers, by the variables (JSON): the list page read, or None.
    pages: dict[bytes, Any] = field(default_factory=dict, init=False)
    roots: tuple[FieldNode, ...] = field(default=(), init=False)
    direct_root: Any = field(default=None, init=False)  # direct.Root, once worked out
    _reads: frozenset[str] | None = field(default=None, init=False)
    _sizes: dict[tuple, Measure] = field(default_factory=dict, init=False)
    _variable_signatures: Any = field(default=False, init=False)  # False: not worked out yet

    def __post_init__(self) -> None:
        directives = document_has_directives(self.document)
        if directives:
            self.executor_class = PageMemoExecutor  # type: ignore[assignment]
        else:
            self.executor_class = type("DocumentExecutor", (PlanningExecutor,), {"plans": {}})
        self.roots = tuple(root_fields(self.operation, self.fragments))
        self.lone_root_field = self.roots[0] if len(self.roots) == 1 and not directives else None

    def variable_values(self, variables: dict) -> VariableValues | list[GraphQLError]:
        """graphql-core's coercion of the variables (get_variable_values), with each
        definition's signature worked out once per document where every variable is a
        scalar or enum without a default: then the coercion is graphql-core's own loop,
        value by value (coerce_input_value); a value it refuses, or a missing one, is left
        to get_variable_values, for its errors."""
        signatures = self._signatures()
        if signatures is None:
            return get_variable_values(self.schema, self.operation.variable_definitions or (), variables)
        sources, coerced = {}, {}
        for signature in signatures:
            value = variables.get(signature.name, Undefined)
            if value is Undefined:
                if is_non_null_type(signature.type):
                    return get_variable_values(self.schema, self.operation.variable_definitions or (), variables)
                sources[signature.name] = VariableValueSource(signature)
                continue
            sources[signature.name] = VariableValueSource(signature, value)
            coerced_value = coerce_input_value(value, signature.type)
            if coerced_value is Undefined:
                return get_variable_values(self.schema, self.operation.variable_definitions or (), variables)
            coerced[signature.name] = coerced_value
        return VariableValues(sources, coerced)

    def _signatures(self) -> tuple | None:
        if self._variable_signatures is False:
            found: list | None = []
            for node in self.operation.variable_definitions or ():
                signature = get_variable_signature(self.schema, node)
                simple = not isinstance(signature, GraphQLError) and node.default_value is None
                if not simple or not is_leaf_type(get_nullable_type(signature.type)):  # type: ignore[union-attr]
                    found = None
                    break
                found.append(signature)  # type: ignore[union-attr]
            self._variable_signatures = tuple(found) if found is not None else None
        return self._variable_signatures

    def root_plan(self, return_type: Any) -> tuple[Entry, ...] | None:
        """The plan the lone root field's value completed by when it last ran (None: none yet,
        or it has none)."""
        plans = getattr(self.executor_class, "plans", None)
        if plans is None or self.lone_root_field is None:
            return None
        return plans.get((return_type.name, id(self.lone_root_field)))

    def remember_page(self, key: bytes, page: Any) -> None:
        if len(self.pages) >= SIZES_KEPT:
            self.pages.clear()
        self.pages[key] = page

    def size(self, variables: dict) -> Measure:
        """The document's depth and cost for these variables (limits.measure), kept per value
        of the variables a measure reads."""
        if self._reads is not None and not self._reads and self._sizes:
            return next(iter(self._sizes.values()))  # it reads no variable: one measure
        if self._reads is not None:
            key = tuple((name, type(variables.get(name)), variables.get(name)) for name in sorted(self._reads))
            try:
                found = self._sizes.get(key)
            except TypeError:  # an unhashable value (a list, an object): measured each time
                return measure_reading(self.schema, self.operation, self.fragments, variables)[0]
            if found is not None:
                return found
        size, reads = measure_reading(self.schema, self.operation, self.fragments, variables)
        self._reads = reads
        key = tuple((name, type(variables.get(name)), variables.get(name)) for name in sorted(reads))
        try:
            if len(self._sizes) >= SIZES_KEPT:
                self._sizes.clear()
            self._sizes[key] = size
        except TypeError:
            pass
        return size


def document_has_directives(document: DocumentNode) -> bool:
    """Whether any directive appears in the document (its source text, conservatively: an
    `@` inside a string counts too, which only costs that document its plans)."""
    return document.loc is None or "@" in document.loc.source.body
