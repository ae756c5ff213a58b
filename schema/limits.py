"""How big a GraphQL document may be: depth, aliases, tokens and page size.

The same limits run twice on purpose. `refusal` checks a JSON request before
its key is looked up, so an abusive document costs no database command at all;
`limit_extensions` holds every operation Strawberry runs (multipart uploads,
websockets) to the same limits after authentication.
"""

import functools
from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
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
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)

from resolvers.errors import ErrorCode
from resolvers.pagination import MAX_PAGE

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000
# Longer texts are refused unread, so the caches of documents (here and Strawberry's)
# hold at most CACHED_DOCUMENTS x MAX_QUERY_CHARS.
MAX_QUERY_CHARS = 100_000
CACHED_DOCUMENTS = 128
PAGE_ARGUMENTS = ("first", "last")


def _is_introspection(ignore: query_depth_limiter.IgnoreContext) -> bool:
    # GraphiQL's schema query nests type references deeper than any real query.
    return ignore.field_name.startswith("__")


LIMIT_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, _is_introspection),
    max_aliases.create_validator(MAX_ALIASES),
]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """The limits, for operations Strawberry runs, and caches of parsed and
    validated documents, so a document checked here costs little there.
    """
    return [lambda: MaxTokensLimiter(MAX_TOKENS), lambda: AddValidationRules(LIMIT_RULES),
            lambda: ParserCache(CACHED_DOCUMENTS), lambda: ValidationCache(CACHED_DOCUMENTS)]


class _PageArguments(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[ArgumentNode] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value in PAGE_ARGUMENTS:
            self.found.append(node)


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def _document_check(schema: GraphQLSchema, query: str
                    ) -> tuple[tuple[GraphQLError, ...], tuple[ArgumentNode, ...]]:
    """What the query text alone tells: its errors against the limits, and its
    page-size arguments. Cached: clients send the same few documents again and
    again, and parsing and validating one costs about 1 ms.
    """
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return (error,), ()
    pages = _PageArguments()
    visit(document, pages)
    return tuple(validate(schema, document, LIMIT_RULES)), tuple(pages.found)


def _page_size_errors(arguments: tuple[ArgumentNode, ...],
                      variables: dict[str, Any]) -> list[GraphQLError]:
    errors = []
    for node in arguments:
        value: Any = None
        if isinstance(node.value, IntValueNode):
            value = int(node.value.value)
        elif isinstance(node.value, VariableNode):
            value = variables.get(node.value.name.value)
        if isinstance(value, int) and not 0 <= value <= MAX_PAGE:
            # Worded and coded as the resolvers' own check (resolvers/pagination.py).
            errors.append(GraphQLError(
                f"{node.name.value} must be between 0 and {MAX_PAGE}.", node,
                extensions={"code": ErrorCode.INVALID.value}))
    return errors


def refusal(schema: GraphQLSchema, query: str,
            variables: dict[str, Any]) -> list[GraphQLError]:
    """Why `query` is refused before it runs; empty when it is within every limit.
    Other mistakes (unknown fields, bad types) are left to the normal validation.
    """
    if len(query) > MAX_QUERY_CHARS:
        return [GraphQLError(f"The query is {len(query):,} characters long; at most "
                             f"{MAX_QUERY_CHARS:,} are read.")]
    errors, pages = _document_check(schema, query)
    return [*errors, *_page_size_errors(pages, variables)]
