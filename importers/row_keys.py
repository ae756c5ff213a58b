"""What a row is about, as a key: two rows of one file with the same key are
about the same thing (the later one is applied after the earlier, and says so).

Computed from the cells as typed, so the first pass over a file and the loaders
agree without coercing anything twice.
"""

from collections.abc import Callable

from documents.import_job import MatchBy
from documents.text import name_key
from importers.fields import Entity

Text = Callable[[str], str | None]  # a mapped field's cell text, or None

def customer_name(text: Text) -> str | None:
    """The customer name of a row: the name, else the company, else first and last name."""
    if name := text("name"):
        return name
    if company := text("company_name"):
        return company
    person = " ".join(part for k in ("first_name", "last_name") if (part := text(k)))
    return person or None


def _key(*parts: str | None) -> str | None:
    if not all(parts):
        return None
    return "\x1f".join(name_key(part or "") for part in parts)


def owner_name(entity: Entity, text: Text) -> str | None:
    """The customer a site, contact, equipment or product line row names."""
    field = "billing_customer" if entity is Entity.SITES else "customer"
    return text(field) or (
        f"#{account}" if (account := text("customer_account_number")) else None)


def row_key(entity: Entity, match_by: MatchBy, text: Text) -> str | None:
    """The row's key within its entity, or None when it names nothing."""
    if entity is Entity.CUSTOMERS:
        if match_by is MatchBy.ACCOUNT_NUMBER:
            return _key("#", text("account_number"))
        return _key(customer_name(text))
    if entity is Entity.PRODUCTS:
        return _key(text("import_id"))
    if entity is Entity.PRODUCT_LINES:
        return _key(text("line_id"))
    owner = owner_name(entity, text)
    if entity is Entity.SITES:
        if name := text("name"):
            return _key(owner, name)
        return _key(owner, text("address.line1"), text("address.suburb") or "-",
                    text("address.postcode") or "-")
    if entity is Entity.CONTACTS:
        if email := text("email"):
            return _key(owner, email)
        return _key(owner, " ".join(p for k in ("first_name", "last_name") if (p := text(k))))
    if entity is Entity.EQUIPMENT:
        if serial := text("serial_number"):
            return _key(owner, serial)
        return _key(owner, text("name"), text("site") or "-")
    return None


def describe_key(entity: Entity, match_by: MatchBy) -> str:
    """What a person calls the key, for messages."""
    return {
        Entity.CUSTOMERS: "Account Number" if match_by is MatchBy.ACCOUNT_NUMBER
        else "customer name",
        Entity.PRODUCTS: "Import ID",
        Entity.PRODUCT_LINES: "ID",
        Entity.SITES: "customer and site",
        Entity.CONTACTS: "customer and contact",
        Entity.EQUIPMENT: "customer and equipment",
    }.get(entity, "key")
