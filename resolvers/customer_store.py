"""Loading and saving customers, the aggregate that holds sites, contacts and equipment.

An edit loads the document, changes it in Python and replaces it only if its
`version` is still the one loaded, so two concurrent edits never lose each
other's changes; the loser is simply retried on the fresh document.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo.errors import DuplicateKeyError

from documents.customer import Customer
from documents.name_fences import NameFences
from resolvers.actor import Actor
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found

T = TypeVar("T")
_MAX_ATTEMPTS = 25


def duplicate_name(name: str) -> UserFacingError:
    return UserFacingError(
        Problem(
            ErrorCode.DUPLICATE, f"A customer named {name!r} already exists.", ["input", "name"]
        )
    )


def _duplicate(customer: Customer, exc: DuplicateKeyError) -> UserFacingError:
    """Which unique key the customer collided on: its name or its account number."""
    if "account_key" in str(exc.details or exc):
        return UserFacingError(Problem(
            ErrorCode.DUPLICATE, f"Another customer has account number "
            f"{customer.account_number!r}.", ["input", "accountNumber"]))
    return duplicate_name(customer.name)


async def insert_customer(customer: Customer) -> Customer:
    customer.prepare_for_save()
    customer.created_at = customer.updated_at
    try:
        await Customer.collection().insert_one(customer.to_mongo())
    except DuplicateKeyError as exc:
        raise _duplicate(customer, exc) from None
    await NameFences.note_added(customer.org_id, 1)
    return customer


async def load_customer(
    actor: Actor, where: dict[str, Any], what: str, field: list[str]
) -> Customer:
    raw = await Customer.collection().find_one(Customer.scoped(actor.org_id, where))
    if raw is None:
        raise not_found(what, field)
    customer: Customer = Customer.model_validate(raw)
    return customer


async def edit_customer(
    actor: Actor,
    where: dict[str, Any],
    edit: Callable[[Customer], Awaitable[T]],
    *,
    what: str = "Customer",
    field: list[str] | None = None,
) -> T:
    """Run `edit` on the customer matching `where` and save it atomically."""
    field = field or ["id"]
    for attempt in range(_MAX_ATTEMPTS):
        if attempt:
            # Jitter spreads out writers that keep colliding on one customer.
            await asyncio.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311
        customer = await load_customer(actor, where, what, field)
        loaded_version = customer.version
        result = await edit(customer)
        customer.prepare_for_save()
        customer.version = loaded_version + 1
        try:
            replaced = await Customer.collection().replace_one(
                Customer.scoped(actor.org_id, {"_id": customer.id, "version": loaded_version}),
                customer.to_mongo(),
            )
        except DuplicateKeyError as exc:
            raise _duplicate(customer, exc) from None
        if replaced.matched_count == 1:
            return result
    raise UserFacingError(
        Problem(ErrorCode.CONFLICT, f"{what} is being changed by someone else; try again.", field)
    )

