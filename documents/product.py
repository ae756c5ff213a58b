"""The product catalog, and product lines: which customer bought which product,
under which opportunity, new (with a booking) or renewing an earlier line.

A line keeps its own billing plan and revenue schedule, computed when it is
imported, so reading revenue is a sum, never a recomputation. Money is exact
(Decimal, stored as Decimal128): a line's schedule sums to its amount.
"""

from datetime import date, datetime
from decimal import Decimal

from beanie import DecimalAnnotation, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow
from documents.text import search_tokens


def currency_code(text: str) -> str:
    """A three-letter currency code in capitals; ValueError saying why otherwise."""
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{text!r} is not a three-letter currency code such as AUD.")
    return code


class Product(TenantDocument):
    import_id: str  # what product lines name; unique per org, case and spaces ignored
    import_key: str
    name: str
    recurring: bool = False
    unit_price: DecimalAnnotation = Decimal(0)
    currency: str = "AUD"
    term_months: int | None = None  # the default term of a recurring product's lines
    active: bool = True
    search_tokens: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "products"
        # Reads by id need no index: TenantDocument.scoped puts `_id` first.
        indexes = [
            # Unique Import ID: product lines and imports name products by it;
            # products(...) pages in its order.
            IndexModel([("org_id", ASCENDING), ("import_key", ASCENDING)], unique=True),
            IndexModel([("org_id", ASCENDING), ("search_tokens", ASCENDING)]),
        ]

    def prepare_for_save(self) -> None:
        self.updated_at = utcnow()
        self.search_tokens = search_tokens([self.import_id, self.name])


class Amount(BaseModel):
    """An amount on a date: a billing installment, or revenue of a month (day 1)."""

    on: date
    amount: DecimalAnnotation


class BillingPlan(BaseModel):
    """Custom billing: a frequency over the term, or explicit dated amounts."""

    frequency: str | None = None  # MONTHLY, QUARTERLY, SEMIANNUALLY, ANNUALLY
    installments: list[Amount] = Field(default_factory=list)
    source: str  # the cell as imported


class RevenueMethod(BaseModel):
    """Custom revenue recognition: POINT_IN_TIME, AMOUNTS or PERCENTAGES."""

    method: str
    source: str


class Booking(BaseModel):
    amount: DecimalAnnotation
    booked_on: date


class ProductLine(TenantDocument):
    line_id: str  # the file's ID: unique per org, the match key of a re-import
    line_key: str
    # Creation order, dense per org: pages read bounded seq windows (see resolvers/product_lines).
    seq: int
    customer_id: PydanticObjectId
    product_id: PydanticObjectId
    opportunity: str | None = None
    quantity: DecimalAnnotation
    unit_price: DecimalAnnotation  # its own (Unit Price, or Amount / Quantity), else the catalog's
    amount: DecimalAnnotation
    renewal: bool = False
    billing_date: date
    booking_date: date | None = None
    start_date: date
    end_date: date | None = None
    term_months: int | None = None
    custom_billing: BillingPlan | None = None
    custom_revenue: RevenueMethod | None = None
    revenue_schedule: list[Amount] = Field(default_factory=list)
    booking: Booking | None = None  # new lines only
    renews_id: PydanticObjectId | None = None
    renewed_by_id: PydanticObjectId | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "product_lines"
        # Reads by id (productLine, the line a renewal replaces) need no index:
        # TenantDocument.scoped puts `_id` first.
        indexes = [
            # Unique line ID: a re-import matches its lines by it.
            IndexModel([("org_id", ASCENDING), ("line_key", ASCENDING)], unique=True),
            # productLines without a filter: bounded seq windows.
            IndexModel([("org_id", ASCENDING), ("seq", ASCENDING)]),
            # productLines / bookings / revenueSchedule / Customer.productLines by
            # customer, and the latest line a renewal renews.
            IndexModel([("org_id", ASCENDING), ("customer_id", ASCENDING), ("seq", ASCENDING)]),
            # productLines / revenueSchedule by product.
            IndexModel([("org_id", ASCENDING), ("product_id", ASCENDING), ("seq", ASCENDING)]),
        ]


class Sequence(TenantDocument):
    """How many numbers of a per-org sequence (product line seq) were issued."""

    name: str
    issued: int = 0

    class Settings:
        name = "sequences"
        # One counter per org and name, incremented as lines are imported.
        indexes = [IndexModel([("org_id", ASCENDING), ("name", ASCENDING)], unique=True)]
