"""Lookup lists: reading them, and creating entries (office or admin, per list)."""

from typing import Any, TypeVar

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from documents.lookups import CustomerType, LeadSource, Lookup, PaymentTerm, PriceLevel, User
from documents.text import name_key
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.values import apply_contact_details, clean_text

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


async def lookup_create(actor: Actor, document: type[L], fields: dict[str, Any],
                        name_path: tuple[str, ...] = ("input", "name")) -> L:
    """`name_path`: the argument that gave the name (`name` itself for the
    mutations that take it alone)."""
    actor.require(_CREATE_PERMISSION[document])
    problems: list[Problem] = []
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
