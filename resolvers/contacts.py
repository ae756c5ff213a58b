"""contactCreate, contactUpdate, contactDelete: contacts embedded in their customer."""

from typing import Any

from bson import ObjectId

from documents.customer import Contact, Customer
from resolvers.actor import Actor, Permission
from resolvers.customer_store import edit_customer
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.values import apply_contact_details, clean_text, input_problems


def _apply(actor: Actor, customer: Customer, contact: Contact, changes: dict[str, Any]) -> None:
    problems: list[Problem] = input_problems(changes, ["input"])
    for key in ("first_name", "last_name", "role"):
        if key in changes:
            setattr(contact, key, clean_text(changes[key]))
    apply_contact_details(contact, changes, actor.settings.default_region, problems)
    if not (contact.first_name or contact.last_name or contact.email):
        problems.append(
            Problem(ErrorCode.REQUIRED, "A contact needs a first name, last name or email.",
                    ["input", "firstName"])
        )
    if problems:
        raise UserFacingError(*problems)
    if changes.get("is_primary") is not None:
        contact.is_primary = bool(changes["is_primary"])
    if contact.is_primary:
        # One primary contact per customer: choosing a new one demotes the old.
        for other in customer.contacts:
            if other.id != contact.id:
                other.is_primary = False


async def contact_create(
    actor: Actor, customer_id: ObjectId, changes: dict[str, Any]
) -> tuple[Contact, Customer]:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def create(customer: Customer) -> tuple[Contact, Customer]:
        contact = Contact()
        _apply(actor, customer, contact, changes)
        customer.contacts.append(contact)
        return contact, customer

    return await edit_customer(actor, {"_id": customer_id}, create, field=["customerId"])


async def contact_update(
    actor: Actor, contact_id: ObjectId, changes: dict[str, Any]
) -> tuple[Contact, Customer]:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def update(customer: Customer) -> tuple[Contact, Customer]:
        contact = next(c for c in customer.contacts if c.id == contact_id)
        _apply(actor, customer, contact, changes)
        return contact, customer

    return await edit_customer(actor, {"contacts._id": contact_id}, update, what="Contact")


async def contact_delete(actor: Actor, contact_id: ObjectId) -> None:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def delete(customer: Customer) -> None:
        customer.contacts = [c for c in customer.contacts if c.id != contact_id]

    await edit_customer(actor, {"contacts._id": contact_id}, delete, what="Contact")
