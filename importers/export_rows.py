"""Stored documents as the rows of an import sheet: the exact columns of the
entity's template sheet (the field registry), in the values the import reads
back unchanged.

Rows are built from raw BSON documents (no model validation: an export of a
large organization spends its time here). Values keep their types: dates stay
dates and money stays an exact Decimal; the writers (importers/export_files)
decide how each becomes a cell.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128, ObjectId

from importers.fields import FIELDS, Entity, Field, FieldType, custom_header, labelled_field


@dataclass(frozen=True)
class Money:
    """An amount and the currency that says how many decimals it shows."""

    amount: Decimal
    currency: str


Value = str | Decimal | Money | date | None


@dataclass
class Names:
    """What rows name by id: lookups, customers and products, each id -> name."""

    lookups: dict[str, dict[ObjectId, str]] = field(default_factory=dict)
    customers: dict[ObjectId, str] = field(default_factory=dict)
    products: dict[ObjectId, str] = field(default_factory=dict)
    currencies: dict[ObjectId, str] = field(default_factory=dict)  # product id -> currency


def header(target: Field, customer_label: str) -> str:
    """A column's header: the registry's label in the organization's word for
    customers, which the import's mapping reads back (importers/mapping).
    """
    return labelled_field(target, customer_label).label


def headers(entity: Entity, customer_label: str, custom_labels: list[str]) -> list[str]:
    """A sheet's headers: the template's, then a "Custom: <Label>" column per custom
    field, which the import reads back as that custom field with no mapping.
    """
    return ([header(f, customer_label) for f in FIELDS[entity]]
            + [custom_header(label) for label in custom_labels])


def _yes_no(value: Any) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _day(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _decimal(value: Any) -> Decimal | None:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _typed(target: Field, value: Any) -> Value:
    if value is None:
        return None
    if target.type is FieldType.BOOLEAN:
        return _yes_no(value)
    if target.type is FieldType.DATE:
        return _day(value)
    if target.type is FieldType.NUMBER:
        return _decimal(value)
    if target.type is FieldType.INTEGER:
        return Decimal(int(value))
    return str(value)


def _path(document: dict[str, Any], key: str) -> Any:
    """`site_address.line1` of a raw document."""
    value: Any = document
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


_NONE = ObjectId("000000000000000000000000")  # no customer has it


def customer_row(raw: dict[str, Any], names: Names) -> list[Value]:
    """The template's columns of a customer (its custom fields follow: custom_values)."""
    billing = raw.get("billing") or {}
    special: dict[str, Any] = {
        "billing_customer": names.customers.get(billing.get("billing_customer_id") or _NONE),
        "care_of_name": billing.get("care_of_name"),
        "billing_account_number": billing.get("account_number"),
    }
    for kind, by_id in names.lookups.items():
        special[kind] = by_id.get(raw.get(f"{kind}_id"))  # type: ignore[arg-type]
    row: list[Value] = []
    for target in FIELDS[Entity.CUSTOMERS]:
        value = special[target.key] if target.key in special else _path(raw, target.key)
        if target.key.startswith("billing_address.") and raw.get("billing_same_as_site"):
            value = None  # follows the site address: Billing Same As Site says so
        row.append(_typed(target, value))
    return row


def custom_values(custom: dict[str, str], labels: list[str]) -> list[Value]:
    return [custom.get(label) for label in labels]


def site_rows(raw: dict[str, Any]) -> Iterator[tuple[dict[str, Any], list[Value]]]:
    """(site, row) of each of a customer's sites, in id order."""
    owner = _owner(raw)
    for site in sorted(raw.get("sites") or [], key=lambda s: s["_id"]):
        row = [_typed(target, owner.get(target.key, _path(site, target.key)))
               for target in FIELDS[Entity.SITES]]
        yield site, row


def _owner(raw: dict[str, Any]) -> dict[str, Any]:
    """How a site, contact or equipment row names its customer: its name, and its
    own account number (which the import can match by as well).
    """
    return {"billing_customer": raw["name"], "customer": raw["name"],
            "customer_account_number": raw.get("account_number")}


def contact_rows(raw: dict[str, Any]) -> Iterator[list[Value]]:
    owner = _owner(raw)
    for contact in raw.get("contacts") or []:
        yield [_typed(target, owner.get(target.key, contact.get(target.key)))
               for target in FIELDS[Entity.CONTACTS]]


def equipment_rows(raw: dict[str, Any]) -> Iterator[list[Value]]:
    site_names = {site["_id"]: site.get("name") for site in raw.get("sites") or []}
    for item in raw.get("equipment") or []:
        special = {**_owner(raw), "site": site_names.get(item.get("site_id"))}
        yield [_typed(target, special[target.key] if target.key in special
                      else item.get(target.key)) for target in FIELDS[Entity.EQUIPMENT]]


def product_row(raw: dict[str, Any]) -> list[Value]:
    row: list[Value] = []
    for target in FIELDS[Entity.PRODUCTS]:
        if target.key == "unit_price":
            row.append(Money(_decimal(raw.get("unit_price")) or Decimal(0),
                             raw.get("currency") or "AUD"))
        else:
            row.append(_typed(target, raw.get(target.key)))
    return row


def product_line_row(raw: dict[str, Any], names: Names) -> list[Value]:
    """A line as the row that imports it again: its plans as the cells they were
    read from, so billing and revenue are computed again to the same schedule.
    """
    special: dict[str, Any] = {
        "customer": names.customers.get(raw["customer_id"]),
        "product": names.products.get(raw["product_id"]),
        "custom_billing": (raw.get("custom_billing") or {}).get("source"),
        "custom_revenue": (raw.get("custom_revenue") or {}).get("source"),
    }
    currency = names.currencies.get(raw["product_id"], "AUD")
    return [Money(_decimal(raw[target.key]) or Decimal(0), currency)
            if target.type is FieldType.MONEY and raw.get(target.key) is not None
            else _typed(target, special[target.key] if target.key in special
                        else raw.get(target.key)) for target in FIELDS[Entity.PRODUCT_LINES]]


RowsOf = Callable[[dict[str, Any]], Iterator[list[Value]]]
