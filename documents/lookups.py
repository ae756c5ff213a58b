"""Lookup lists a customer points at, each unique per org by name key.

Customer types and lead sources may be added by office staff ("+Add New");
payment terms and price levels are defined by admins.
"""

from datetime import datetime
from decimal import Decimal

from beanie import DecimalAnnotation
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow


def _unique_name_index() -> list[IndexModel]:
    # The unique name, read by name (imports, "+Add New") and listed in name
    # order. Reads by id (DataLoaders, rename, delete) need no index of their
    # own: TenantDocument.scoped puts `_id`, the primary key, first.
    return [IndexModel([("org_id", ASCENDING), ("name_key", ASCENDING)], unique=True)]


class Lookup(TenantDocument):
    name: str
    name_key: str
    created_at: datetime = Field(default_factory=utcnow)


class CustomerType(Lookup):
    class Settings:
        name = "customer_types"
        indexes = _unique_name_index()


class LeadSource(Lookup):
    class Settings:
        name = "lead_sources"
        indexes = _unique_name_index()


class PaymentTerm(Lookup):
    # Days after the invoice date that payment falls due (0: on receipt).
    due_days: int = 0

    class Settings:
        name = "payment_terms"
        indexes = _unique_name_index()


class PriceLevel(Lookup):
    # Percentage applied to list prices; -10 is a 10% discount.
    adjustment_percent: DecimalAnnotation = Decimal(0)  # stored as Decimal128

    class Settings:
        name = "price_levels"
        indexes = _unique_name_index()


class User(Lookup):
    """An account manager or technician, the "Assigned User" of a customer."""

    email: str | None = None

    class Settings:
        name = "users"
        indexes = _unique_name_index()
