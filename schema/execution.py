"""Field execution without per-field overhead where a field is only an attribute.

graphql-core builds a resolve-info object, looks for arguments and walks
`complete_value` for every field of every object; a page of 50 customers runs
about 1,400 fields, most of them scalars read straight off an attribute, and
that bookkeeping was half of the service's CPU on such a page. For a scalar or
enum field whose resolver is Strawberry's plain attribute read (which ignores
the info object) and that takes no arguments, this reads the attribute and
serializes it directly. Anything else, and any value the short path cannot
answer itself (null on a non-null field, a value the scalar refuses), goes
through graphql-core's own path, so errors read exactly as before.

The same holds one level up: an object (or a list of objects) whose selection
is only such fields and such objects, written plainly (no fragments, aliases
aside, no directives, no arguments), is completed by a plan compiled once per
document and type, instead of field by field (a page's sites and addresses).
"""

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    SelectionSetNode,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Strawberry's resolver for a field with no resolver of its own: `getattr`, no info.
_ATTRIBUTE_RESOLVER = "_get_basic_result"


def _attribute_leaf(field: GraphQLField) -> tuple[str, Any, bool] | None:
    """(attribute, serialize, non_null) when `field` may take the short path, else None."""
    resolve = field.resolve
    if resolve is None or field.args or getattr(resolve, "__name__", "") != _ATTRIBUTE_RESOLVER:
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    attribute = getattr(definition, "python_name", None)
    if not isinstance(attribute, str):
        return None
    field_type: Any = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    if non_null:
        field_type = field_type.of_type
    if not isinstance(field_type, GraphQLScalarType | GraphQLEnumType):
        return None
    return attribute, field_type.coerce_output_value, non_null


class _Fallback(Exception):
    """The plan cannot answer this value: graphql-core's path will."""


Complete = Callable[[Any], Any]
# Plans by (type, selection) node; documents are cached, so the same nodes recur.
_COMPLETIONS: dict[tuple[int, int], tuple[Any, Any, Complete | None]] = {}
MAX_COMPLETIONS = 2_000


def _object_plan(object_type: GraphQLObjectType,
                 selection_set: SelectionSetNode | None) -> Complete | None:
    """A function completing an object of `object_type` for `selection_set`, or None
    when the selection is not plain attributes all the way down.
    """
    if selection_set is None:
        return None
    entries: list[tuple[str, str | None, Complete | None, bool]] = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        if selection.name.value == "__typename":
            entries.append((key, None, None, True))
            continue
        field = object_type.fields.get(selection.name.value)
        if field is None:
            return None
        leaf = _attribute_leaf(field)
        if leaf is not None:
            entries.append((key, leaf[0], _leaf(leaf[1]), leaf[2]))
            continue
        attribute = _attribute_object(field)
        if attribute is None:
            return None
        complete = _value_plan(field.type, selection.selection_set)
        if complete is None:
            return None
        entries.append((key, attribute, complete, False))
    if len({key for key, *_ in entries}) != len(entries):
        return None  # a key asked twice merges its selections: graphql-core does that
    type_name = object_type.name

    def complete_object(source: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for key, attribute, complete, non_null in entries:
            if attribute is None:
                answer[key] = type_name
                continue
            value = getattr(source, attribute)
            if value is None:
                if non_null:
                    raise _Fallback
                answer[key] = None
            else:
                answer[key] = complete(value)  # type: ignore[misc]
        return answer

    return complete_object


def _leaf(serialize: Any) -> Complete:
    def complete_leaf(value: Any) -> Any:
        serialized = serialize(value)
        if serialized is None or serialized is Undefined:
            raise _Fallback
        return serialized

    return complete_leaf


def _value_plan(field_type: Any, selection_set: SelectionSetNode | None) -> Complete | None:
    """Completing a value of `field_type` (objects, lists of them, non-null or not)."""
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if non_null else field_type
    if isinstance(inner, GraphQLObjectType):
        complete = _object_plan(inner, selection_set)
    elif isinstance(inner, GraphQLList):
        item = _value_plan(inner.of_type, selection_set)
        if item is None:
            return None
        item_non_null = isinstance(inner.of_type, GraphQLNonNull)

        def complete_list(values: Any) -> list[Any]:
            if not isinstance(values, list | tuple):
                raise _Fallback
            completed = []
            for value in values:
                if value is None and item_non_null:
                    raise _Fallback
                completed.append(None if value is None else item(value))
            return completed

        complete = complete_list
    else:
        return None
    if complete is None:
        return None
    return complete


def _attribute_object(field: GraphQLField) -> str | None:
    """The attribute an object (or list) field reads, when it is a plain attribute."""
    resolve = field.resolve
    if resolve is None or field.args or getattr(resolve, "__name__", "") != _ATTRIBUTE_RESOLVER:
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    attribute = getattr(definition, "python_name", None)
    return attribute if isinstance(attribute, str) else None


def _completion(return_type: Any, node: FieldNode) -> Complete | None:
    key = (id(return_type), id(node))
    cached = _COMPLETIONS.get(key)
    if cached is None or cached[0] is not return_type or cached[1] is not node:
        if len(_COMPLETIONS) >= MAX_COMPLETIONS:
            _COMPLETIONS.clear()
        unwrapped = return_type.of_type if isinstance(return_type, GraphQLNonNull) \
            else return_type
        plan = None
        if isinstance(unwrapped, GraphQLObjectType | GraphQLList):
            plan = _value_plan(return_type, node.selection_set)
        cached = _COMPLETIONS[key] = (return_type, node, plan)
    return cached[2]


class AttributeFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # Per field definition: the definition itself (held, so that its id is not
    # reused while cached) and its short path, or None.
    _plans: dict[int, tuple[GraphQLField, tuple[str, Any, bool] | None]] = {}

    @property
    def _middleware(self) -> bool:
        """Whether any extension wraps resolvers (Strawberry always passes a manager,
        empty unless an extension implements `resolve`).
        """
        manager = self.middleware_manager
        return manager is not None and manager._middleware_resolvers is not None

    def complete_value(self, return_type: Any, field_details_list: Any, info: Any, path: Path,
                       result: Any, position_context: Any) -> Any:
        if (result is not None and len(field_details_list) == 1
                and not isinstance(result, Exception) and not self._middleware):
            plan = _completion(return_type, field_details_list[0].node)
            if plan is not None:
                try:
                    return plan(result)
                except Exception:  # noqa: S110 - graphql-core's path reports it
                    pass
        return super().complete_value(return_type, field_details_list, info, path, result,
                                      position_context)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        if field is not None and not node.arguments and not self._middleware:
            cached = self._plans.get(id(field))
            if cached is None or cached[0] is not field:
                cached = self._plans[id(field)] = (field, _attribute_leaf(field))
            plan = cached[1]
            if plan is not None:
                attribute, serialize, non_null = plan
                try:
                    value = getattr(source, attribute)
                    if value is None and not non_null:
                        return None
                    if value is not None:
                        serialized = serialize(value)
                        if serialized is not None and serialized is not Undefined:
                            return serialized
                except Exception:  # noqa: S110 - graphql-core's path reports it
                    pass
        return super().execute_field(parent_type, source, field_details_list, path,
                                     position_context)
