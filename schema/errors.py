"""userErrors in mutation payloads, and masking of unexpected errors."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from pymongo.errors import PyMongoError
from strawberry.extensions import MaskErrors

from importers.fields import REGISTRY_WORD, relabel
from resolvers.errors import ErrorCode, UserFacingError
from schema.context import Info

log = logging.getLogger("sitebook.errors")

# The domain enum is the GraphQL enum too (strawberry.enum registers the class).
strawberry.enum(ErrorCode)


@strawberry.type
class UserError:
    code: ErrorCode
    message: str
    # Path of the argument at fault, in camelCase, e.g. ["input", "email"].
    field: list[str]


def user_errors(exc: UserFacingError, customer_label: str = REGISTRY_WORD) -> list[UserError]:
    """A mutation's expected failures, as its payload's userErrors, in the
    organization's word for customers (names quoted in a message keep theirs).
    """
    return [UserError(code=p.code, message=relabel(p.message, customer_label),
                      field=[_camel(part) for part in p.field])
            for p in exc.problems]


def _camel(part: str) -> str:
    # The path names GraphQL arguments, spelled as the schema spells them.
    head, *rest = part.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


D = TypeVar("D")
P = TypeVar("P")


async def payload(info: Info, action: Awaitable[D], success: Callable[[D], P],
                  failure: type[P]) -> P:
    """Every mutation's payload: `success` of what `action` returns, or `failure`
    carrying its userErrors (the one place expected errors become a payload).
    """
    try:
        result = await action
    except UserFacingError as exc:
        actor = info.context.authenticated
        label = REGISTRY_WORD if actor is None else actor.settings.customer_label
        return failure(user_errors=user_errors(exc, label))  # type: ignore[call-arg]
    return success(result)


class MaskUnexpectedErrors(MaskErrors):
    """Syntax, validation and expected errors reach the client; anything else is
    replaced by an error id, and the log gets the traceback under that id.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=self._should_mask)

    @staticmethod
    def _should_mask(error: GraphQLError) -> bool:
        original = error.original_error
        if _timed_out(original):
            return False
        # A GraphQLError under another is graphql-core telling the client about
        # its own request (a variable of the wrong type), not an incident.
        return original is not None and not isinstance(original, UserFacingError | GraphQLError)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
        return GraphQLError(
            message=f"Unexpected error (id {error_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "errorId": error_id},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        return [_with_code(error) for error in processed]


def _timed_out(original: Exception | None) -> bool:
    return isinstance(original, PyMongoError) and original.timeout


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if _timed_out(original):
        return GraphQLError(
            "This read took longer than the service allows and was stopped. Ask for less: "
            "a smaller page (first), a longer search word, fewer connections or no totalCount.",
            nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            extensions={"code": "TIMEOUT"})
    if isinstance(original, UserFacingError):
        error.extensions = {**(error.extensions or {}), "code": original.problems[0].code.value}
    return error
