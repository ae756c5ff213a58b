"""Lookup lists: reading them, and creating entries (office or admin, per list)."""

from decimal import Decimal
from typing import Any, TypeVar

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from documents.customer import Customer
from documents.lookups import CustomerType, LeadSource, Lookup, PaymentTerm, PriceLevel, User
from documents.text import name_key
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found
from resolvers.lookup_cache import LOOKUPS
from resolvers.values import (
    apply_contact_details,
    bounded,
    clean_text,
    decimal_problem,
    input_problems,
    require_valid_input,
)

L = TypeVar("L", bound=Lookup)

# Who may add to each list: office staff add customer types and lead sources
# ("+Add New"); payment terms, price levels and users are admin-defined.
_CREATE_PERMISSION: dict[type[Lookup], Permission] = {
    CustomerType: Permission.ADD_OPEN_LOOKUPS,
    LeadSource: Permission.ADD_OPEN_LOOKUPS,
    PaymentTerm: Permission.ADMINISTER,
    PriceLevel: Permission.ADMINISTER,
    User: Permission.ADMINISTER,
}


async def list_lookup(actor: Actor, document: type[L]) -> list[L]:
    actor.require(Permission.READ_CUSTOMERS)
    return await document.find_in(actor.org_id, sort=[("name_key", 1)])


# What customers point at each list with; a list entry in use cannot be deleted.
_REFERENCED_BY: dict[type[Lookup], str] = {
    CustomerType: "customer_type_id",
    LeadSource: "lead_source_id",
    PaymentTerm: "payment_term_id",
    PriceLevel: "price_level_id",
    User: "assigned_user_id",
}
# Payment is due 0 (on receipt) to 3,650 days after the invoice.
MAX_DUE_DAYS = 3_650
# A price level is at most a 100% discount (free) and at most a 1,000% markup.
PERCENT_RANGE = (Decimal(-100), Decimal(1_000))


def _value_problems(fields: dict[str, Any]) -> list[Problem]:
    problems = input_problems(fields, ["input"])
    due_days = bounded(fields.get("due_days"), 0, MAX_DUE_DAYS,
                       f"Due days are 0 to {MAX_DUE_DAYS:,}.", ["input", "dueDays"])
    percent = fields.get("adjustment_percent")
    adjustment = None if percent is None or decimal_problem(percent) else bounded(
        percent, *PERCENT_RANGE, "The adjustment is -100% (free) to 1,000%.",
        ["input", "adjustmentPercent"])
    return [*problems, *(p for p in (due_days, adjustment) if p)]


async def lookup_create(actor: Actor, document: type[L], fields: dict[str, Any],
                        name_path: tuple[str, ...] = ("input", "name")) -> L:
    """`name_path`: the argument that gave the name (`name` itself for the
    mutations that take it alone)."""
    actor.require(_CREATE_PERMISSION[document])
    problems = _value_problems(fields)
    if problems:
        raise UserFacingError(*problems)
    name = clean_text(fields.get("name"))
    if not name:
        problems.append(Problem(ErrorCode.REQUIRED, "A name is required.", list(name_path)))
    extra = {k: v for k, v in fields.items() if k not in ("name", "email")}
    entry = document(
        id=PydanticObjectId(),
        org_id=PydanticObjectId(actor.org_id),
        name=name or "",
        name_key=name_key(name or ""),
        **extra,
    )
    apply_contact_details(entry, fields, actor.settings.default_region, problems)
    if problems:
        raise UserFacingError(*problems)
    try:
        await document.collection().insert_one(entry.to_mongo())
    except DuplicateKeyError:
        raise UserFacingError(
            Problem(ErrorCode.DUPLICATE, f"{name!r} already exists.", list(name_path))
        ) from None
    return entry


async def get_lookup(actor: Actor, document: type[L], lookup_id: ObjectId) -> L | None:
    actor.require(Permission.READ_CUSTOMERS)
    return await document.get_in(actor.org_id, lookup_id)


def _words(document: type[Lookup]) -> str:
    return {CustomerType: "Customer type", LeadSource: "Lead source",
            PaymentTerm: "Payment term", PriceLevel: "Price level"}.get(document, "User")


async def lookup_rename(actor: Actor, document: type[L], lookup_id: ObjectId, name: str) -> L:
    """Give a list entry a new name (admin only); customers keep pointing at it."""
    actor.require(Permission.ADMINISTER)
    require_valid_input(name, ["name"])
    cleaned = clean_text(name)
    if not cleaned:
        raise UserFacingError(Problem(ErrorCode.REQUIRED, "A name is required.", ["name"]))
    try:
        found = await document.collection().find_one_and_update(
            document.scoped(actor.org_id, {"_id": lookup_id}),
            {"$set": {"name": cleaned, "name_key": name_key(cleaned)}},
            return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:
        raise UserFacingError(
            Problem(ErrorCode.DUPLICATE, f"{cleaned!r} already exists.", ["name"])) from None
    if found is None:
        raise not_found(_words(document), ["id"])
    LOOKUPS.forget_org(actor.org_id)  # customers read next show the new name
    renamed: L = document.model_validate(found)
    return renamed


async def lookup_delete(actor: Actor, document: type[L], lookup_id: ObjectId) -> None:
    """Delete a list entry (admin only). One that customers still use is refused
    with IN_USE, saying how many: clearing it from them would lose what office
    staff recorded, so they reassign those customers (or rename the entry) first.
    """
    actor.require(Permission.ADMINISTER)
    if await document.count_in(actor.org_id, {"_id": lookup_id}) == 0:
        raise not_found(_words(document), ["id"])
    users = await Customer.count_in(actor.org_id, {_REFERENCED_BY[document]: lookup_id})
    if users:
        raise UserFacingError(Problem(
            ErrorCode.IN_USE,
            f"{_words(document)} is used by {users:,} customer{'s' if users > 1 else ''}; "
            "give them another one first, or rename it.", ["id"]))
    await document.collection().delete_one(document.scoped(actor.org_id, {"_id": lookup_id}))
    LOOKUPS.forget_org(actor.org_id)
