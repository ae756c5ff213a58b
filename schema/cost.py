"""What an operation would cost, worked out from its document before it runs.

One walk over the document measures depth, aliases and cost. Each fragment is
measured once and its measure reused wherever it is spread, so the walk is
linear in the document's size: a "diamond" of fragments that each spread the
next twice costs one visit per fragment, not 2^levels (see `Walk.visits`).
The numbers it adds up may still be huge (they are exact integers); the work
is not.

Costs, as the Shopify and GitHub APIs count them: a scalar costs nothing, an
object 1, and a connection multiplies what each of its items costs by the
page size asked for (`first` or `last`, else the default page). A field may declare its
own cost in its Strawberry metadata (`metadata={"cost": n}`): `totalCount`
reads every match, so it costs more; a `filter` with a `search` costs more too.
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    value_from_ast_untyped,
)

from resolvers.pagination import DEFAULT_PAGE

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_COST = 5_000
# Caps on the document's size in nodes, apart from its tokens: each is visited once.
MAX_FRAGMENTS = 100
MAX_SELECTIONS = 1_000
# ... and on the fields it has once its fragments are spread (each spread counts again).
MAX_FIELDS = 5_000
# What a field costs when it declares nothing: objects 1, scalars 0.
OBJECT_COST = 1
SEARCH_COST = 10
TOTAL_COUNT_COST = 20
COST_METADATA = "cost"
PAGE_ARGUMENTS = ("first", "last")
COST_CODE = "MAX_COST_EXCEEDED"
# A document that cannot run as written (Apollo's code for it).
INVALID_DOCUMENT = {"code": "GRAPHQL_VALIDATION_FAILED"}


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    # Fields the operation has once its fragments are spread: execution's work.
    fields: int = 0


@dataclass
class Walk:
    """Measures the selection sets of one operation; fragments are measured once."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    errors: list[GraphQLError] = field(default_factory=list)
    # (fragment, page) -> its measure; None while it is being measured (a cycle).
    measured: dict[tuple[str, int | None], Measure | None] = field(default_factory=dict)
    # Selection nodes visited, for the test that the walk is linear.
    visits: int = 0

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None,
                      page: int | None) -> Measure:
        depth = aliases = cost = fields = 0
        for selection in node.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                measure = self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = parent if condition is None else self.schema.get_type(
                    condition.name.value)
                measure = self.selection_set(selection.selection_set, inner, page)
            else:
                assert isinstance(selection, FragmentSpreadNode)
                measure = self.spread(selection, page)
            depth = max(depth, measure.depth)
            aliases += measure.aliases
            cost += measure.cost
            fields += measure.fields
        return Measure(depth, aliases, cost, fields)

    def spread(self, node: FragmentSpreadNode, page: int | None) -> Measure:
        name = node.name.value
        key = (name, page)
        if key in self.measured:
            known = self.measured[key]
            if known is None:
                self.errors.append(GraphQLError(
                    f"Cannot spread fragment '{name}' within itself.", node,
                    extensions=INVALID_DOCUMENT))
                return Measure()
            return known
        definition = self.fragments.get(name)
        if definition is None:
            self.errors.append(GraphQLError(f"Unknown fragment '{name}'.", node,
                                            extensions=INVALID_DOCUMENT))
            return Measure()
        self.measured[key] = None
        condition = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selection_set(definition.selection_set, condition, page)
        self.measured[key] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None,
              page: int | None) -> Measure:
        aliases = 1 if node.alias is not None else 0
        name = node.name.value
        if name.startswith("__"):
            # Introspection: GraphiQL's schema query nests type references deeper
            # than any real query, and reads no data.
            return Measure(0, aliases, 0, 1)
        definition = _field(parent, name)
        if definition is None:
            return Measure(0, aliases, 0, 1)  # validation says what is wrong with it
        child = get_named_type(definition.type)
        cost = _declared_cost(definition)
        if cost is None:
            cost = OBJECT_COST if is_composite_type(child) else 0
        cost += SEARCH_COST if self._searches(node) else 0
        if node.selection_set is None:
            return Measure(0, aliases, cost, 1)
        own_page = self._page(node, definition)
        inner = self.selection_set(node.selection_set, child, own_page)
        # The items of a connection (its edges or nodes) come `first` at a time.
        times = page if page is not None and _is_list(definition) else 1
        return Measure(inner.depth + 1, aliases + inner.aliases,
                       cost + inner.cost * times, 1 + inner.fields)

    def _page(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The page a connection field asks for: `first` (or `last`), else the default."""
        if not any(name in definition.args for name in PAGE_ARGUMENTS):
            return None
        sizes = [self._value(argument.value) for argument in node.arguments or ()
                 if argument.name.value in PAGE_ARGUMENTS]
        given = [size for size in sizes if isinstance(size, int) and size >= 0]
        return max(given) if given else DEFAULT_PAGE

    def _searches(self, node: FieldNode) -> bool:
        for argument in node.arguments or ():
            if argument.name.value != "filter":
                continue
            value = self._value(argument.value)
            if isinstance(value, dict) and value.get("search"):
                return True
        return False

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ObjectValueNode):
            return {item.name.value: self._value(item.value) for item in node.fields}
        return value_from_ast_untyped(node, self.variables)


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _is_list(definition: GraphQLField) -> bool:
    field_type = definition.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def _declared_cost(definition: GraphQLField) -> int | None:
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    metadata = getattr(strawberry_field, "metadata", None) or {}
    cost = metadata.get(COST_METADATA)
    return cost if isinstance(cost, int) else None


@dataclass
class Analysis:
    """The limits' verdict on a document: what is wrong with it, and what it costs."""

    errors: list[GraphQLError]
    cost: int
    visits: int


def _variables_with_defaults(operation: OperationDefinitionNode,
                             variables: dict[str, Any]) -> dict[str, Any]:
    given = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if given.get(name) is None and definition.default_value is not None:
            given[name] = value_from_ast_untyped(definition.default_value)
    return given


def _too_many_nodes(document: DocumentNode) -> list[GraphQLError]:
    """The caps on fragments and selections, counted without following spreads."""
    fragments = sum(isinstance(d, FragmentDefinitionNode) for d in document.definitions)
    if fragments > MAX_FRAGMENTS:
        return [GraphQLError(f"The document defines {fragments:,} fragments; "
                             f"at most {MAX_FRAGMENTS} are allowed.")]
    selections = 0
    pending: list[SelectionSetNode] = [
        d.selection_set for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)]
    while pending:
        selection_set = pending.pop()
        selections += len(selection_set.selections)
        pending.extend(s.selection_set for s in selection_set.selections
                       if isinstance(s, FieldNode | InlineFragmentNode) and s.selection_set)
    if selections > MAX_SELECTIONS:
        return [GraphQLError(f"The document has {selections:,} selections; "
                             f"at most {MAX_SELECTIONS:,} are allowed.")]
    return []


def analyse(schema: GraphQLSchema, document: DocumentNode,
            variables: dict[str, Any]) -> Analysis:
    """Depth, aliases and cost of every operation in `document`, in one linear walk."""
    errors = _too_many_nodes(document)
    if errors:
        return Analysis(errors, 0, 0)
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    aliases = cost = visits = 0
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        walk = Walk(schema, fragments, _variables_with_defaults(operation, variables))
        root = schema.get_root_type(operation.operation)
        try:
            measure = walk.selection_set(operation.selection_set, root, None)
        except RecursionError:
            # The parser bounds nesting well below this; a guard, not a path.
            errors.append(GraphQLError("The document is nested too deeply.",
                                       extensions=INVALID_DOCUMENT))
            continue
        errors.extend(walk.errors)
        visits += walk.visits
        if measure.depth > MAX_DEPTH:
            name = operation.name.value if operation.name else "anonymous"
            errors.append(GraphQLError(
                f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", operation))
        aliases += measure.aliases
        cost = max(cost, measure.cost)
        if measure.fields > MAX_FIELDS:
            errors.append(GraphQLError(
                f"The operation has {measure.fields:,} fields once its fragments are spread; "
                f"at most {MAX_FIELDS:,} are allowed."))
    if aliases > MAX_ALIASES:
        errors.append(GraphQLError(f"{aliases} aliases found. Allowed: {MAX_ALIASES}"))
    if cost > MAX_COST:
        errors.append(GraphQLError(
            f"This query would cost {cost:,}; at most {MAX_COST:,} may run at once. Ask for "
            "smaller pages (first), fewer nested connections, totalCount or searches.",
            extensions={"code": COST_CODE, "cost": cost_extension(cost)}))
    return Analysis(errors, cost, visits)


def cost_extension(cost: int) -> dict[str, int]:
    return {"requestedQueryCost": cost, "maximumAvailable": MAX_COST}
