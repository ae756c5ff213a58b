"""siteCreate, siteUpdate, siteDelete: sites embedded in their customer."""

from typing import Any

from bson import ObjectId

from documents.base import utcnow
from documents.customer import Customer, Site
from documents.text import name_key
from resolvers.actor import Actor, Permission
from resolvers.customer_fields import merged_address
from resolvers.customer_store import edit_customer
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.values import apply_contact_details, clean_text, input_problems


def site_of(customer: Customer, site_id: ObjectId) -> Site:
    return next(site for site in customer.sites if site.id == site_id)


def _line1_after(site: Site, changes: dict[str, Any]) -> str | None:
    """The site's address line 1 once `changes` are applied."""
    if "address" not in changes:
        return site.address.line1
    if changes["address"] is None:  # the address is cleared
        return None
    line1: str | None = changes["address"].get("line1", site.address.line1)
    return line1


def _apply(actor: Actor, customer: Customer, site: Site, changes: dict[str, Any]) -> None:
    problems: list[Problem] = input_problems(changes, ["input"])
    if "name" in changes:
        # As the import does: a site without a name is named after its address line 1.
        name = clean_text(changes["name"]) or clean_text(_line1_after(site, changes))
        if not name:
            problems.append(Problem(ErrorCode.REQUIRED, "A site needs a name, or an address "
                                    "line 1 to be named after.", ["input", "name"]))
        elif any(
            other.id != site.id and name_key(other.name) == name_key(name)
            for other in customer.sites
        ):
            problems.append(
                Problem(ErrorCode.DUPLICATE,
                        f"{customer.name} already has a site named {name!r}.", ["input", "name"])
            )
        else:
            site.name = name
    if "address" in changes:
        site.address = merged_address(site.address, changes["address"], ["input", "address"],
                                      problems)
    for key in ("contact_name", "notes"):
        if key in changes:
            setattr(site, key, clean_text(changes[key]))
    apply_contact_details(site, changes, actor.settings.default_region, problems)
    if problems:
        raise UserFacingError(*problems)
    site.updated_at = utcnow()


async def site_create(
    actor: Actor, customer_id: ObjectId, changes: dict[str, Any]
) -> tuple[Site, Customer]:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def create(customer: Customer) -> tuple[Site, Customer]:
        site = Site(name="")
        _apply(actor, customer, site, {"name": None, **changes})
        customer.sites.append(site)
        return site, customer

    return await edit_customer(actor, {"_id": customer_id}, create, field=["customerId"])


async def site_update(
    actor: Actor, site_id: ObjectId, changes: dict[str, Any]
) -> tuple[Site, Customer]:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def update(customer: Customer) -> tuple[Site, Customer]:
        site = site_of(customer, site_id)
        _apply(actor, customer, site, changes)
        return site, customer

    return await edit_customer(actor, {"sites._id": site_id}, update, what="Site")


async def site_delete(actor: Actor, site_id: ObjectId) -> None:
    """Removes the site; its equipment stays with the customer, unlinked."""
    actor.require(Permission.WRITE_CUSTOMERS)

    async def delete(customer: Customer) -> None:
        customer.sites = [site for site in customer.sites if site.id != site_id]
        for item in customer.equipment:
            if item.site_id == site_id:
                item.site_id = None

    await edit_customer(actor, {"sites._id": site_id}, delete, what="Site")
