"""Mutations on customers and their billing arrangement, with their payload."""

from collections.abc import Awaitable

import strawberry

from documents import customer as docs
from resolvers import billing, customer_mutations
from schema.context import Info
from schema.errors import UserError, payload
from schema.ids import from_global_id
from schema.inputs import BillingInput, CustomerInput, to_changes
from schema.types import Customer


@strawberry.type
class CustomerPayload:
    customer: Customer | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(info: Info, action: Awaitable[docs.Customer]) -> CustomerPayload:
    return await payload(info, action, lambda doc: CustomerPayload(customer=Customer.from_doc(doc)),
                         CustomerPayload)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation
    async def customer_create(self, info: Info, input: CustomerInput) -> CustomerPayload:  # noqa: A002
        return await _payload(
            info,
            customer_mutations.customer_create(info.context.actor, to_changes(input))
        )

    @strawberry.mutation
    async def customer_update(
        self, info: Info, id: strawberry.ID, input: CustomerInput  # noqa: A002
    ) -> CustomerPayload:
        return await _payload(
            info,
            customer_mutations.customer_update(
                info.context.actor, from_global_id(id, "Customer"), to_changes(input)
            )
        )

    @strawberry.mutation(description="Archive (or, with archived: false, restore) a customer.")
    async def customer_archive(
        self, info: Info, id: strawberry.ID, archived: bool = True  # noqa: A002
    ) -> CustomerPayload:
        return await _payload(
            info,
            customer_mutations.customer_archive(
                info.context.actor, from_global_id(id, "Customer"), archived
            )
        )

    @strawberry.mutation(description="Invoice this (site) customer through a billing customer.")
    async def billing_customer_assign(
        self, info: Info, customer_id: strawberry.ID, input: BillingInput  # noqa: A002
    ) -> CustomerPayload:
        return await _payload(
            info,
            billing.billing_customer_assign(
                info.context.actor, from_global_id(customer_id, "Customer"), to_changes(input)
            )
        )

    @strawberry.mutation
    async def billing_customer_clear(
        self, info: Info, customer_id: strawberry.ID
    ) -> CustomerPayload:
        return await _payload(
            info,
            billing.billing_customer_clear(
                info.context.actor, from_global_id(customer_id, "Customer")
            )
        )
