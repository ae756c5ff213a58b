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
"""

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
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
