"""How big a GraphQL document may be: depth, aliases, tokens, page size and cost.

The same limits run twice on purpose. `refusal` checks a JSON request before
its key is looked up, so an abusive document costs no database command at all;
`limit_extensions` holds every operation Strawberry runs (multipart uploads,
websockets) to the same limits after authentication.
"""

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pymongo
from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    VariableNode,
    parse,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import (
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types.graphql import OperationType

from resolvers.errors import ErrorCode
from resolvers.pagination import MAX_PAGE
from schema.cost import INVALID_DOCUMENT, analyse

MAX_TOKENS = 2_000
# Longer texts are refused unread, so the caches of documents (here and Strawberry's)
# hold at most CACHED_DOCUMENTS x MAX_QUERY_CHARS.
MAX_QUERY_CHARS = 100_000
CACHED_DOCUMENTS = 128
PAGE_ARGUMENTS = ("first", "last")
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"


class OperationLimits(ValidationCache):
    """Depth, aliases, fragments, selections and cost (schema/cost.py), for
    operations Strawberry runs, checked before the (cached) validation, which
    runs only on a document within them.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # A JSON request was measured before its key was looked up (`refusal`):
        # the same text and variables need not be walked again.
        if document is not None and not getattr(context.context, "limits_checked", False):
            errors = analyse(context.schema._schema, document, context.variables or {}).errors
            if errors:
                context.pre_execution_errors = errors
                yield
                return
        yield from super().on_validate()


class ReadTimeLimit(SchemaExtension):
    """Bounds the database time of a query's reads: the one seam for it.

    PyMongo's `timeout` sends each command the time left as `maxTimeMS` (which
    SecantusDB and MongoDB both honour, stopping the read on the server) and
    stops waiting itself when it has passed. The resolvers' tasks inherit the
    bound (a context variable). A read stopped by it is reported as TIMEOUT
    (schema/errors.py). Mutations are left unbounded: stopping one half-way
    would help no one.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        seconds = getattr(context.context, "read_timeout", None)
        if seconds is None or context.operation_type is not OperationType.QUERY:
            yield
            return
        with pymongo.timeout(seconds):
            yield


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """The limits, for operations Strawberry runs, and caches of parsed and
    validated documents, so a document checked here costs little there.
    """
    return [lambda: MaxTokensLimiter(MAX_TOKENS), lambda: ParserCache(CACHED_DOCUMENTS),
            lambda: OperationLimits(CACHED_DOCUMENTS), ReadTimeLimit]


class _PageArguments(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[ArgumentNode] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value in PAGE_ARGUMENTS:
            self.found.append(node)


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def _parsed(query: str) -> tuple[DocumentNode | GraphQLError, tuple[ArgumentNode, ...]]:
    """The query text parsed (or why it cannot be), and its page-size arguments.
    Cached: clients send the same few documents again and again.
    """
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        if f"more than {MAX_TOKENS} tokens" not in error.message:  # a limit, not a mistake
            error.extensions = {"code": PARSE_FAILED}
        return error, ()
    pages = _PageArguments()
    visit(document, pages)
    return document, tuple(pages.found)


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


def cannot_run(errors: list[GraphQLError]) -> bool:
    """Whether `errors` say the document cannot run at all (bad syntax, an unknown
    or circular fragment), rather than that it asks for too much.
    """
    return any((error.extensions or {}).get("code") in (PARSE_FAILED, INVALID_DOCUMENT["code"])
               for error in errors)


def refusal(schema: GraphQLSchema, query: str,
            variables: dict[str, Any]) -> list[GraphQLError]:
    """Why `query` is refused before it runs; empty when it is within every limit.
    Other mistakes (unknown fields, bad types) are left to the normal validation.
    """
    if len(query) > MAX_QUERY_CHARS:
        return [GraphQLError(f"The query is {len(query):,} characters long; at most "
                             f"{MAX_QUERY_CHARS:,} are read.")]
    document, pages = _parsed(query)
    if isinstance(document, GraphQLError):
        return [document]
    page_errors = _page_size_errors(pages, variables)
    if page_errors:
        return page_errors
    # Linear in the document's size (each fragment is measured once), and needs
    # the variables: a page size may be one. Clients send the same few documents
    # with the same small variables again and again: their answer is kept.
    key = _variables_key(variables)
    if key is None:
        return analyse(schema, document, variables).errors
    return list(_analysed(schema, query, key))


# Variables longer than this (an input object, say) are not worth a cache entry.
MAX_CACHED_VARIABLES = 1_000


def _variables_key(variables: dict[str, Any]) -> str | None:
    try:
        key = json.dumps(variables, sort_keys=True)
    except (TypeError, ValueError):
        return None
    return key if len(key) <= MAX_CACHED_VARIABLES else None


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def _analysed(schema: GraphQLSchema, query: str, variables: str) -> tuple[GraphQLError, ...]:
    document, _ = _parsed(query)
    assert not isinstance(document, GraphQLError)  # refusal parsed it first
    return tuple(analyse(schema, document, json.loads(variables)).errors)
