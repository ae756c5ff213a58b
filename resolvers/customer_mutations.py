"""customerCreate, customerUpdate, customerArchive."""

from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from documents.customer import Customer
from resolvers.actor import Actor, Permission
from resolvers.customer_fields import apply_customer_input
from resolvers.customer_store import edit_customer, insert_customer


async def customer_create(actor: Actor, changes: dict[str, Any]) -> Customer:
    actor.require(Permission.WRITE_CUSTOMERS)
    customer = Customer(
        id=PydanticObjectId(), org_id=PydanticObjectId(actor.org_id), name="", name_key=""
    )
    await apply_customer_input(actor, customer, changes)
    return await insert_customer(customer)


async def customer_update(actor: Actor, customer_id: ObjectId, changes: dict[str, Any]) -> Customer:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def update(customer: Customer) -> Customer:
        await apply_customer_input(actor, customer, changes)
        return customer

    return await edit_customer(actor, {"_id": customer_id}, update)


async def customer_archive(actor: Actor, customer_id: ObjectId, archived: bool) -> Customer:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def archive(customer: Customer) -> Customer:
        customer.archived = archived
        return customer

    return await edit_customer(actor, {"_id": customer_id}, archive)
