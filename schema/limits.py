"""How big a GraphQL document may be: depth, aliases, tokens and page size.

The same limits run twice on purpose. `refusal` checks a JSON request before
its key is looked up, so an abusive document costs no database command at all;
`limit_extensions` holds every operation Strawberry runs (multipart uploads,
websockets) to the same limits after authentication.
"""

from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    VariableNode,
    parse,
    validate,
    visit,
)
from graphql.language import Visitor
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
    max_aliases,
    query_depth_limiter,
)

from resolvers.errors import ErrorCode
from resolvers.pagination import MAX_PAGE

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000
PAGE_ARGUMENTS = ("first", "last")


def _is_introspection(ignore: query_depth_limiter.IgnoreContext) -> bool:
    # GraphiQL's schema query nests type references deeper than any real query.
    return ignore.field_name.startswith("__")


LIMIT_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, _is_introspection),
    max_aliases.create_validator(MAX_ALIASES),
]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    return [lambda: MaxTokensLimiter(MAX_TOKENS), lambda: AddValidationRules(LIMIT_RULES)]


class _PageSizes(Visitor):
    def __init__(self, variables: dict[str, Any]) -> None:
        super().__init__()
        self.variables = variables
        self.errors: list[GraphQLError] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value not in PAGE_ARGUMENTS:
            return
        value: Any = None
        if isinstance(node.value, IntValueNode):
            value = int(node.value.value)
        elif isinstance(node.value, VariableNode):
            value = self.variables.get(node.value.name.value)
        if isinstance(value, int) and not 0 <= value <= MAX_PAGE:
            # Worded and coded as the resolvers' own check (resolvers/pagination.py).
            self.errors.append(GraphQLError(
                f"{node.name.value} must be between 0 and {MAX_PAGE}.", node,
                extensions={"code": ErrorCode.INVALID.value}))


def page_size_errors(document: DocumentNode, variables: dict[str, Any]) -> list[GraphQLError]:
    sizes = _PageSizes(variables)
    visit(document, sizes)
    return sizes.errors


def refusal(schema: GraphQLSchema, query: str,
            variables: dict[str, Any]) -> list[GraphQLError]:
    """Why `query` is refused before it runs; empty when it is within every limit.
    Other mistakes (unknown fields, bad types) are left to the normal validation.
    """
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return [error]
    return validate(schema, document, LIMIT_RULES) + page_size_errors(document, variables)
