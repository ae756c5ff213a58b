"""Mutations on lookup lists and organization settings."""

from collections.abc import Awaitable
from typing import Annotated, Any

import strawberry

from documents import lookups
from resolvers import lookups as lookup_resolvers
from resolvers import settings as settings_resolvers
from schema.context import Info
from schema.embedded_mutations import DeletePayload
from schema.errors import UserError, payload
from schema.ids import from_global_id
from schema.inputs import PaymentTermInput, PriceLevelInput, SettingsInput, UserInput, to_changes
from schema.types import CustomerType, LeadSource, PaymentTerm, PriceLevel, Settings, User


@strawberry.type
class CustomerTypePayload:
    customer_type: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LeadSourcePayload:
    lead_source: LeadSource | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PaymentTermPayload:
    payment_term: PaymentTerm | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PriceLevelPayload:
    price_level: PriceLevel | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SettingsPayload:
    settings: Settings | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)



def _create(info: Info, document: type[lookups.Lookup], fields: dict[str, Any],
            name_path: tuple[str, ...] = ("input", "name")) -> Awaitable[Any]:
    return lookup_resolvers.lookup_create(info.context.actor, document, fields, name_path)


def _rename(info: Info, document: type[lookups.Lookup], lookup_id: strawberry.ID,
            name: str) -> Awaitable[Any]:
    return lookup_resolvers.lookup_rename(
        info.context.actor, document, from_global_id(lookup_id, document.__name__), name)


async def _delete(info: Info, document: type[lookups.Lookup],
                  lookup_id: strawberry.ID) -> DeletePayload:
    return await payload(
        info,
        lookup_resolvers.lookup_delete(
            info.context.actor, document, from_global_id(lookup_id, document.__name__)),
        lambda _: DeletePayload(deleted_id=lookup_id), DeletePayload)


_RENAME = "Rename this {} (admin only); customers keep it, under its new name."
_DELETE = ("Delete this {} (admin only). One that customers still use is refused with IN_USE: "
           "give them another one first.")
_ID = "The {}'s id."
_NAME = "The new name: unique in the list (ignoring case, spaces and look-alike characters)."


@strawberry.type
class AdminMutations:
    @strawberry.mutation(description='Add a customer type (office staff may, as "+Add New").')
    async def customer_type_create(self, info: Info, name: str) -> CustomerTypePayload:
        return await payload(
            info,
            _create(info, lookups.CustomerType, {"name": name}, ("name",)),
            lambda doc: CustomerTypePayload(customer_type=CustomerType.from_doc(doc)),
            CustomerTypePayload,
        )

    @strawberry.mutation(description='Add a lead source (office staff may, as "+Add New").')
    async def lead_source_create(self, info: Info, name: str) -> LeadSourcePayload:
        return await payload(
            info,
            _create(info, lookups.LeadSource, {"name": name}, ("name",)),
            lambda doc: LeadSourcePayload(lead_source=LeadSource.from_doc(doc)),
            LeadSourcePayload,
        )

    @strawberry.mutation(description="Define a payment term (admin only).")
    async def payment_term_create(
        self, info: Info, input: PaymentTermInput  # noqa: A002
    ) -> PaymentTermPayload:
        return await payload(
            info,
            _create(info, lookups.PaymentTerm, to_changes(input)),
            lambda doc: PaymentTermPayload(payment_term=PaymentTerm.from_doc(doc)),
            PaymentTermPayload,
        )

    @strawberry.mutation(description="Define a price level (admin only).")
    async def price_level_create(
        self, info: Info, input: PriceLevelInput  # noqa: A002
    ) -> PriceLevelPayload:
        return await payload(
            info,
            _create(info, lookups.PriceLevel, to_changes(input)),
            lambda doc: PriceLevelPayload(price_level=PriceLevel.from_doc(doc)),
            PriceLevelPayload,
        )

    @strawberry.mutation(description=_RENAME.format("customer type"))
    async def customer_type_rename(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("customer type"))],  # noqa: A002
        name: Annotated[str, strawberry.argument(description=_NAME)],
    ) -> CustomerTypePayload:
        return await payload(
            info,
            _rename(info, lookups.CustomerType, id, name),
            lambda doc: CustomerTypePayload(customer_type=CustomerType.from_doc(doc)),
            CustomerTypePayload,
        )

    @strawberry.mutation(description=_DELETE.format("customer type"))
    async def customer_type_delete(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("customer type"))],  # noqa: A002
    ) -> DeletePayload:
        return await _delete(info, lookups.CustomerType, id)

    @strawberry.mutation(description=_RENAME.format("lead source"))
    async def lead_source_rename(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("lead source"))],  # noqa: A002
        name: Annotated[str, strawberry.argument(description=_NAME)],
    ) -> LeadSourcePayload:
        return await payload(
            info,
            _rename(info, lookups.LeadSource, id, name),
            lambda doc: LeadSourcePayload(lead_source=LeadSource.from_doc(doc)),
            LeadSourcePayload,
        )

    @strawberry.mutation(description=_DELETE.format("lead source"))
    async def lead_source_delete(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("lead source"))],  # noqa: A002
    ) -> DeletePayload:
        return await _delete(info, lookups.LeadSource, id)

    @strawberry.mutation(description=_RENAME.format("payment term"))
    async def payment_term_rename(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("payment term"))],  # noqa: A002
        name: Annotated[str, strawberry.argument(description=_NAME)],
    ) -> PaymentTermPayload:
        return await payload(
            info,
            _rename(info, lookups.PaymentTerm, id, name),
            lambda doc: PaymentTermPayload(payment_term=PaymentTerm.from_doc(doc)),
            PaymentTermPayload,
        )

    @strawberry.mutation(description=_DELETE.format("payment term"))
    async def payment_term_delete(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("payment term"))],  # noqa: A002
    ) -> DeletePayload:
        return await _delete(info, lookups.PaymentTerm, id)

    @strawberry.mutation(description=_RENAME.format("price level"))
    async def price_level_rename(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("price level"))],  # noqa: A002
        name: Annotated[str, strawberry.argument(description=_NAME)],
    ) -> PriceLevelPayload:
        return await payload(
            info,
            _rename(info, lookups.PriceLevel, id, name),
            lambda doc: PriceLevelPayload(price_level=PriceLevel.from_doc(doc)),
            PriceLevelPayload,
        )

    @strawberry.mutation(description=_DELETE.format("price level"))
    async def price_level_delete(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=_ID.format("price level"))],  # noqa: A002
    ) -> DeletePayload:
        return await _delete(info, lookups.PriceLevel, id)

    @strawberry.mutation(description="Add an account manager or technician (admin only).")
    async def user_create(self, info: Info, input: UserInput) -> UserPayload:  # noqa: A002
        return await payload(
            info,
            _create(info, lookups.User, to_changes(input)),
            lambda doc: UserPayload(user=User.from_doc(doc)),
            UserPayload,
        )

    @strawberry.mutation(description="Change the organization's settings (admin only).")
    async def settings_update(
        self, info: Info, input: SettingsInput  # noqa: A002
    ) -> SettingsPayload:
        return await payload(
            info,
            settings_resolvers.settings_update(info.context.actor, to_changes(input)),
            lambda s: SettingsPayload(settings=Settings(
                customer_label=s.customer_label, default_region=s.default_region,
                date_order=s.date_order)),
            SettingsPayload,
        )
