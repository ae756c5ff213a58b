"""equipmentCreate, equipmentUpdate, equipmentDelete: equipment embedded in its customer."""

from typing import Any

from bson import ObjectId

from documents.customer import Customer, Equipment
from resolvers.actor import Actor, Permission
from resolvers.customer_store import edit_customer
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.values import clean_text, input_problems


def _apply(customer: Customer, item: Equipment, changes: dict[str, Any]) -> None:
    problems: list[Problem] = input_problems(changes, ["input"])
    if "name" in changes:
        name = clean_text(changes["name"])
        if name:
            item.name = name
        else:
            problems.append(
                Problem(ErrorCode.REQUIRED, "Equipment needs a name.", ["input", "name"])
            )
    for key in ("make", "model", "serial_number"):
        if key in changes:
            setattr(item, key, clean_text(changes[key]))
    for key in ("install_date", "warranty_expiry"):
        if key in changes:
            setattr(item, key, changes[key])
    if "site_id" in changes:
        site_id = changes["site_id"]
        if site_id is not None and all(site.id != site_id for site in customer.sites):
            problems.append(
                Problem(ErrorCode.UNKNOWN_SITE, f"{customer.name} has no such site.",
                        ["input", "siteId"])
            )
        else:
            item.site_id = site_id
    if (item.install_date and item.warranty_expiry and item.warranty_expiry < item.install_date):
        problems.append(
            Problem(ErrorCode.INVALID, "The warranty cannot expire before the install date.",
                    ["input", "warrantyExpiry"])
        )
    if problems:
        raise UserFacingError(*problems)


async def equipment_create(
    actor: Actor, customer_id: ObjectId, changes: dict[str, Any]
) -> tuple[Equipment, Customer]:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def create(customer: Customer) -> tuple[Equipment, Customer]:
        item = Equipment(name="")
        _apply(customer, item, {"name": None, **changes})
        customer.equipment.append(item)
        return item, customer

    return await edit_customer(actor, {"_id": customer_id}, create, field=["customerId"])


async def equipment_update(
    actor: Actor, equipment_id: ObjectId, changes: dict[str, Any]
) -> tuple[Equipment, Customer]:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def update(customer: Customer) -> tuple[Equipment, Customer]:
        item = next(e for e in customer.equipment if e.id == equipment_id)
        _apply(customer, item, changes)
        return item, customer

    return await edit_customer(actor, {"equipment._id": equipment_id}, update, what="Equipment")


async def equipment_delete(actor: Actor, equipment_id: ObjectId) -> None:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def delete(customer: Customer) -> None:
        customer.equipment = [e for e in customer.equipment if e.id != equipment_id]

    await edit_customer(actor, {"equipment._id": equipment_id}, delete, what="Equipment")
