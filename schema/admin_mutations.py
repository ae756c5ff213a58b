"""Mutations on lookup lists and organization settings."""

from collections.abc import Awaitable
from typing import Any

import strawberry

from documents import lookups
from resolvers import lookups as lookup_resolvers
from resolvers import settings as settings_resolvers
from schema.context import Info
from schema.errors import UserError, payload
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


@strawberry.type
class AdminMutations:
    @strawberry.mutation(description='Add a customer type (office staff may, as "+Add New").')
    async def customer_type_create(self, info: Info, name: str) -> CustomerTypePayload:
        return await payload(
            _create(info, lookups.CustomerType, {"name": name}, ("name",)),
            lambda doc: CustomerTypePayload(customer_type=CustomerType.from_doc(doc)),
            CustomerTypePayload,
        )

    @strawberry.mutation(description='Add a lead source (office staff may, as "+Add New").')
    async def lead_source_create(self, info: Info, name: str) -> LeadSourcePayload:
        return await payload(
            _create(info, lookups.LeadSource, {"name": name}, ("name",)),
            lambda doc: LeadSourcePayload(lead_source=LeadSource.from_doc(doc)),
            LeadSourcePayload,
        )

    @strawberry.mutation(description="Define a payment term (admin only).")
    async def payment_term_create(
        self, info: Info, input: PaymentTermInput  # noqa: A002
    ) -> PaymentTermPayload:
        return await payload(
            _create(info, lookups.PaymentTerm, to_changes(input)),
            lambda doc: PaymentTermPayload(payment_term=PaymentTerm.from_doc(doc)),
            PaymentTermPayload,
        )

    @strawberry.mutation(description="Define a price level (admin only).")
    async def price_level_create(
        self, info: Info, input: PriceLevelInput  # noqa: A002
    ) -> PriceLevelPayload:
        return await payload(
            _create(info, lookups.PriceLevel, to_changes(input)),
            lambda doc: PriceLevelPayload(price_level=PriceLevel.from_doc(doc)),
            PriceLevelPayload,
        )

    @strawberry.mutation(description="Add an account manager or technician (admin only).")
    async def user_create(self, info: Info, input: UserInput) -> UserPayload:  # noqa: A002
        return await payload(
            _create(info, lookups.User, to_changes(input)),
            lambda doc: UserPayload(user=User.from_doc(doc)),
            UserPayload,
        )

    @strawberry.mutation(description="Change the organization's settings (admin only).")
    async def settings_update(
        self, info: Info, input: SettingsInput  # noqa: A002
    ) -> SettingsPayload:
        return await payload(
            settings_resolvers.settings_update(info.context.actor, to_changes(input)),
            lambda s: SettingsPayload(settings=Settings(
                customer_label=s.customer_label, default_region=s.default_region,
                date_order=s.date_order)),
            SettingsPayload,
        )
