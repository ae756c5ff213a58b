"""Mutations on what a customer holds: sites, contacts, equipment."""

from collections.abc import Awaitable

import strawberry

from documents import customer as docs
from resolvers import contacts, equipment, sites
from schema.context import Info
from schema.errors import UserError, payload
from schema.ids import from_global_id
from schema.inputs import ContactInput, EquipmentInput, SiteInput, to_changes
from schema.types import Contact, Equipment, Site


@strawberry.type
class SitePayload:
    site: Site | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactPayload:
    contact: Contact | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EquipmentPayload:
    equipment: Equipment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _site(info: Info, action: Awaitable[tuple[docs.Site, docs.Customer]]) -> SitePayload:
    return await payload(info, action, lambda found: SitePayload(site=Site.from_doc(*found)),
                         SitePayload)


async def _contact(info: Info,
                   action: Awaitable[tuple[docs.Contact, docs.Customer]]) -> ContactPayload:
    return await payload(info, action,
                         lambda found: ContactPayload(contact=Contact.from_doc(found[0])),
                         ContactPayload)


async def _equipment(
    info: Info, action: Awaitable[tuple[docs.Equipment, docs.Customer]],
) -> EquipmentPayload:
    return await payload(info, action,
                         lambda found: EquipmentPayload(equipment=Equipment.from_doc(*found)),
                         EquipmentPayload)


async def _deleted(info: Info, action: Awaitable[None],
                   deleted_id: strawberry.ID) -> DeletePayload:
    return await payload(info, action, lambda _: DeletePayload(deleted_id=deleted_id),
                         DeletePayload)


@strawberry.type
class EmbeddedMutations:
    @strawberry.mutation
    async def site_create(
        self, info: Info, customer_id: strawberry.ID, input: SiteInput  # noqa: A002
    ) -> SitePayload:
        return await _site(
            info, sites.site_create(
                info.context.actor, from_global_id(customer_id, "Customer"), to_changes(input)
            )
        )

    @strawberry.mutation
    async def site_update(
        self, info: Info, id: strawberry.ID, input: SiteInput  # noqa: A002
    ) -> SitePayload:
        return await _site(
            info,
            sites.site_update(info.context.actor, from_global_id(id, "Site"), to_changes(input)),
        )

    @strawberry.mutation(description="Delete a site; its equipment stays, with no site.")
    async def site_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:  # noqa: A002
        return await _deleted(
            info, sites.site_delete(info.context.actor, from_global_id(id, "Site")), id)

    @strawberry.mutation(description="Add a contact; a new primary contact demotes the old one.")
    async def contact_create(
        self, info: Info, customer_id: strawberry.ID, input: ContactInput  # noqa: A002
    ) -> ContactPayload:
        return await _contact(
            info, contacts.contact_create(
                info.context.actor, from_global_id(customer_id, "Customer"), to_changes(input)
            )
        )

    @strawberry.mutation
    async def contact_update(
        self, info: Info, id: strawberry.ID, input: ContactInput  # noqa: A002
    ) -> ContactPayload:
        return await _contact(
            info, contacts.contact_update(
                info.context.actor, from_global_id(id, "Contact"), to_changes(input)
            )
        )

    @strawberry.mutation
    async def contact_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:  # noqa: A002
        return await _deleted(
            info, contacts.contact_delete(info.context.actor, from_global_id(id, "Contact")), id
        )

    @strawberry.mutation
    async def equipment_create(
        self, info: Info, customer_id: strawberry.ID, input: EquipmentInput  # noqa: A002
    ) -> EquipmentPayload:
        return await _equipment(
            info, equipment.equipment_create(
                info.context.actor, from_global_id(customer_id, "Customer"), to_changes(input)
            )
        )

    @strawberry.mutation
    async def equipment_update(
        self, info: Info, id: strawberry.ID, input: EquipmentInput  # noqa: A002
    ) -> EquipmentPayload:
        return await _equipment(
            info, equipment.equipment_update(
                info.context.actor, from_global_id(id, "Equipment"), to_changes(input)
            )
        )

    @strawberry.mutation
    async def equipment_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:  # noqa: A002
        return await _deleted(
            info, equipment.equipment_delete(info.context.actor, from_global_id(id, "Equipment")),
            id)
