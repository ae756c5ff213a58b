"""Billing customers: a site customer (tenant) invoiced through another customer."""

from typing import Any

from bson import ObjectId

from documents.customer import BillingArrangement, Customer, InvoicingOption
from resolvers.actor import Actor, Permission
from resolvers.customer_store import edit_customer
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found
from resolvers.values import clean_text, require_valid_input

_FIELD = ["input", "billingCustomerId"]
# A chain longer than this is surely a data error, not a real arrangement.
_MAX_CHAIN = 50


async def check_billing_customer(
    actor: Actor, customer_id: ObjectId | None, billing_id: ObjectId
) -> None:
    """The billing customer exists in the org, is not the customer, and forms no cycle."""
    if billing_id == customer_id:
        raise UserFacingError(
            Problem(ErrorCode.BILLING_CUSTOMER_SELF, "A customer cannot bill itself.", _FIELD)
        )
    current = billing_id
    seen = {billing_id}
    for depth in range(_MAX_CHAIN):
        raw = await Customer.collection().find_one(
            Customer.scoped(actor.org_id, {"_id": current}), {"billing.billing_customer_id": 1}
        )
        if raw is None:
            if depth == 0:
                raise not_found("Billing customer", _FIELD)
            return  # a dangling link further up cannot lead back here
        following = (raw.get("billing") or {}).get("billing_customer_id")
        if following is None or following in seen:
            return
        if following == customer_id:
            raise UserFacingError(
                Problem(
                    ErrorCode.BILLING_CUSTOMER_CYCLE,
                    "That billing customer is itself billed (directly or through others) "
                    "to this customer.",
                    _FIELD,
                )
            )
        seen.add(following)
        current = following


async def billing_arrangement(
    actor: Actor, customer_id: ObjectId | None, billing: dict[str, Any],
    current: BillingArrangement | None = None,
) -> BillingArrangement:
    """The arrangement `billing` asks for, merged into `current`: a field left
    out keeps its value, None clears it.
    """
    await check_billing_customer(actor, customer_id, billing["billing_customer_id"])
    merged = BillingArrangement(billing_customer_id=billing["billing_customer_id"]) \
        if current is None else current.model_copy()
    merged.billing_customer_id = billing["billing_customer_id"]
    for key in ("care_of_name", "account_number"):
        if key in billing:
            setattr(merged, key, clean_text(billing[key]))
    if "invoicing_options" in billing:
        merged.invoicing_options = [InvoicingOption(option) for option in
                                    dict.fromkeys(billing["invoicing_options"] or [])]
    return merged


async def billing_customer_assign(
    actor: Actor, customer_id: ObjectId, billing: dict[str, Any]
) -> Customer:
    actor.require(Permission.WRITE_CUSTOMERS)
    require_valid_input(billing, ["input"])
    before: list[BillingArrangement | None] = []

    async def assign(customer: Customer) -> Customer:
        before[:] = [customer.billing]
        customer.billing = await billing_arrangement(actor, customer.id, billing,
                                                     customer.billing)
        return customer

    saved = await edit_customer(actor, {"_id": customer_id}, assign, field=["customerId"])
    await undo_if_cycle(actor, saved, before[0])
    return saved


async def undo_if_cycle(actor: Actor, customer: Customer,
                        before: BillingArrangement | None) -> None:
    """Checked again once written: two assignments at once (A to B, B to A) each
    pass the check before the other lands. The one that finds the cycle takes its
    link back, so no cycle stays (both may; each is told to try again).
    """
    if customer.billing is None or customer.id is None:
        return
    try:
        await check_billing_customer(actor, customer.id, customer.billing.billing_customer_id)
    except UserFacingError:

        async def restore(current: Customer) -> Customer:
            current.billing = before
            return current

        await edit_customer(actor, {"_id": customer.id}, restore, field=["customerId"])
        raise


async def billing_customer_clear(actor: Actor, customer_id: ObjectId) -> Customer:
    actor.require(Permission.WRITE_CUSTOMERS)

    async def clear(customer: Customer) -> Customer:
        customer.billing = None
        return customer

    return await edit_customer(actor, {"_id": customer_id}, clear, field=["customerId"])
