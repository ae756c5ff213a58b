"""Input types, and turning them into the plain change dicts resolvers take."""

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET

from documents.customer import InvoicingOption
from schema.ids import from_global_id

# Which object type each id-valued input field refers to.
_ID_TYPES = {
    "customer_id": "Customer",
    "billing_customer_id": "Customer",
    "customer_type_id": "CustomerType",
    "lead_source_id": "LeadSource",
    "payment_term_id": "PaymentTerm",
    "price_level_id": "PriceLevel",
    "assigned_user_id": "User",
    "site_id": "Site",
}


def to_changes(value: Any) -> Any:
    """The fields a client set (UNSET ones left out), with ids decoded."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for item in dataclasses.fields(value):
            field_value = getattr(value, item.name)
            if field_value is UNSET:
                continue
            if item.name in _ID_TYPES and field_value is not None:
                changes[item.name] = from_global_id(field_value, _ID_TYPES[item.name])
            else:
                changes[item.name] = to_changes(field_value)
        return changes
    if isinstance(value, list):
        return [to_changes(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


@strawberry.input(description="Merged into the stored address: a field left out keeps its "
                  "value, null clears it; the whole address null clears every field.")
class AddressInput:
    line1: str | None = UNSET
    line2: str | None = UNSET
    suburb: str | None = UNSET
    state: str | None = UNSET
    postcode: str | None = UNSET
    country: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET


@strawberry.input
class CustomFieldInput:
    key: str
    value: str | None = None


@strawberry.input
class BillingInput:
    billing_customer_id: strawberry.ID
    care_of_name: str | None = UNSET
    account_number: str | None = UNSET
    invoicing_options: list[InvoicingOption] | None = UNSET


@strawberry.input(description="Fields left out keep their value; null clears a field.")
class CustomerInput:
    name: str | None = strawberry.field(
        default=UNSET,
        description="Unique per organization (ignoring case and spaces). "
        "Defaults to the company name, else first and last name.",
    )
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    company_name: str | None = UNSET
    account_number: str | None = strawberry.field(
        default=UNSET, description="The customer's own number or code in the system its data "
        "came from; unique per organization (ignoring case and spaces).")
    email: str | None = UNSET
    phone: str | None = UNSET
    mobile: str | None = UNSET
    customer_type_id: strawberry.ID | None = UNSET
    lead_source_id: strawberry.ID | None = UNSET
    payment_term_id: strawberry.ID | None = UNSET
    price_level_id: strawberry.ID | None = UNSET
    assigned_user_id: strawberry.ID | None = UNSET
    site_address: AddressInput | None = UNSET
    billing_address: AddressInput | None = UNSET
    billing_same_as_site: bool | None = UNSET
    billing: BillingInput | None = strawberry.field(
        default=UNSET, description="Assign a billing customer (see billingCustomerAssign); "
        "its fields left out keep their value. null removes the arrangement."
    )
    custom_fields: list[CustomFieldInput] | None = strawberry.field(
        default=UNSET, description="Sets each key given to its value; a null value removes "
        "the key, and other keys keep theirs. null removes every custom field."
    )


@strawberry.input
class SiteInput:
    name: str | None = UNSET
    address: AddressInput | None = UNSET
    contact_name: str | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class ContactInput:
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    role: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    mobile: str | None = UNSET
    is_primary: bool | None = UNSET


@strawberry.input
class EquipmentInput:
    name: str | None = UNSET
    make: str | None = UNSET
    model: str | None = UNSET
    serial_number: str | None = UNSET
    install_date: date | None = UNSET
    warranty_expiry: date | None = UNSET
    site_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A site of the same customer."
    )


@strawberry.input
class PaymentTermInput:
    name: str
    due_days: int = 0


@strawberry.input
class PriceLevelInput:
    name: str
    adjustment_percent: Decimal = Decimal(0)


@strawberry.input
class UserInput:
    name: str
    email: str | None = UNSET


@strawberry.input
class SettingsInput:
    customer_label: str | None = UNSET
    default_region: str | None = UNSET
    date_order: str | None = UNSET


@strawberry.input
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Every word must start a word of the name, email, phone, "
        "or a site's name, address line 1, suburb or postcode.",
    )
    customer_type_id: strawberry.ID | None = None
    lead_source_id: strawberry.ID | None = None
    assigned_user_id: strawberry.ID | None = None
    billing_customer_id: strawberry.ID | None = None
    archived: bool | None = strawberry.field(
        default=None, description="true lists archived customers; otherwise active ones."
    )
    updated_since: datetime | None = None


@strawberry.input
class SiteFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Every word must start a word of the site's name, address line 1, "
        "suburb, postcode or its customer's name.",
    )
    customer_id: strawberry.ID | None = None
    updated_since: datetime | None = None
