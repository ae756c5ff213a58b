"""Products, product lines, bookings and revenue: types, inputs, queries, mutations."""

from datetime import date, datetime
from decimal import Decimal
from typing import Self

import strawberry
from beanie import PydanticObjectId
from strawberry import UNSET

from documents import product as docs
from resolvers import product_lines, products
from resolvers.pagination import Page
from schema.context import Info
from schema.errors import UserError, payload
from schema.ids import from_global_id, optional_id, to_global_id
from schema.inputs import to_changes
from schema.types import Connection, Customer, Node, connection


@strawberry.type
class Product(Node):
    import_id: str
    name: str
    recurring: bool
    unit_price: Decimal
    currency: str
    term_months: int | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: docs.Product) -> Self:
        return cls(id=to_global_id("Product", doc.id), import_id=doc.import_id, name=doc.name,
                   recurring=doc.recurring, unit_price=doc.unit_price, currency=doc.currency,
                   term_months=doc.term_months, active=doc.active, created_at=doc.created_at,
                   updated_at=doc.updated_at)


@strawberry.type(description="An amount on a date: a billing installment.")
class DatedAmount:
    date: date
    amount: Decimal


@strawberry.type(description="Revenue recognized in a month (the month's first day).")
class RevenueMonth:
    month: date
    amount: Decimal


@strawberry.type
class CustomBilling:
    frequency: str | None = strawberry.field(
        description="MONTHLY, QUARTERLY, SEMIANNUALLY, ANNUALLY or UPFRONT; null for "
        "explicit dated amounts.")
    installments: list[DatedAmount]
    source: str = strawberry.field(description="The cell as imported.")


@strawberry.type
class CustomRevenueRecognition:
    method: str = strawberry.field(description="POINT_IN_TIME, AMOUNTS or PERCENTAGES.")
    source: str = strawberry.field(description="The cell as imported.")


@strawberry.type
class ProductLine(Node):
    line_id: str
    opportunity: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    renewal: bool
    billing_date: date
    booking_date: date | None
    start_date: date
    end_date: date | None
    term_months: int | None
    custom_billing: CustomBilling | None
    custom_revenue_recognition: CustomRevenueRecognition | None
    revenue_schedule: list[RevenueMonth]
    created_at: datetime
    updated_at: datetime
    _doc: strawberry.Private[docs.ProductLine]

    @classmethod
    def from_doc(cls, doc: docs.ProductLine) -> Self:
        billing = doc.custom_billing
        revenue = doc.custom_revenue
        return cls(
            id=to_global_id("ProductLine", doc.id), line_id=doc.line_id,
            opportunity=doc.opportunity, quantity=doc.quantity, unit_price=doc.unit_price,
            amount=doc.amount, renewal=doc.renewal, billing_date=doc.billing_date,
            booking_date=doc.booking_date, start_date=doc.start_date, end_date=doc.end_date,
            term_months=doc.term_months,
            custom_billing=None if billing is None else CustomBilling(
                frequency=billing.frequency, source=billing.source,
                installments=[DatedAmount(date=i.on, amount=i.amount)
                              for i in billing.installments]),
            custom_revenue_recognition=None if revenue is None else CustomRevenueRecognition(
                method=revenue.method, source=revenue.source),
            revenue_schedule=[RevenueMonth(month=m.on, amount=m.amount)
                              for m in doc.revenue_schedule],
            created_at=doc.created_at, updated_at=doc.updated_at, _doc=doc)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        found = await info.context.loaders.customer_by_id.load(self._doc.customer_id)
        return None if found is None else Customer.from_raw(found)

    @strawberry.field
    async def product(self, info: Info) -> Product | None:
        found = await info.context.loaders.product_by_id.load(self._doc.product_id)
        return None if found is None else Product.from_doc(found)

    @strawberry.field(description="What this line booked; null for a renewal.")
    def booking(self) -> "Booking | None":
        return None if self._doc.booking is None else Booking.from_line(self._doc)

    @strawberry.field(description="The line this renewal renews.")
    async def renews(self, info: Info) -> "ProductLine | None":
        return await _line(info, self._doc.renews_id)

    @strawberry.field(description="The line that renewed this one, if any.")
    async def renewed_by(self, info: Info) -> "ProductLine | None":
        return await _line(info, self._doc.renewed_by_id)


async def _line(info: Info, line_id: PydanticObjectId | None) -> ProductLine | None:
    if line_id is None:
        return None
    found = await info.context.loaders.product_line_by_id.load(line_id)
    return None if found is None else ProductLine.from_doc(found)


@strawberry.type(description="What a new product line booked.")
class Booking:
    id: strawberry.ID
    amount: Decimal
    booking_date: date
    opportunity: str | None
    _line: strawberry.Private[docs.ProductLine]

    @classmethod
    def from_line(cls, line: docs.ProductLine) -> Self:
        assert line.booking is not None
        return cls(id=to_global_id("Booking", line.id), amount=line.booking.amount,
                   booking_date=line.booking.booked_on, opportunity=line.opportunity,
                   _line=line)

    @strawberry.field
    def line(self) -> ProductLine:
        return ProductLine.from_doc(self._line)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        found = await info.context.loaders.customer_by_id.load(self._line.customer_id)
        return None if found is None else Customer.from_raw(found)


@strawberry.input
class ProductFilter:
    search: str | None = strawberry.field(
        default=None, description="Every word must start a word of the import id or name.")
    recurring: bool | None = None
    active: bool | None = None


@strawberry.input
class ProductLineFilter:
    customer_id: strawberry.ID | None = None
    product_id: strawberry.ID | None = None
    opportunity: str | None = None
    renewal: bool | None = None
    billing_from: date | None = None
    billing_to: date | None = None


@strawberry.input
class BookingFilter:
    customer_id: strawberry.ID | None = None
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


@strawberry.input
class RevenueFilter:
    customer_id: strawberry.ID | None = None
    product_id: strawberry.ID | None = None
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


@strawberry.input
class ProductInput:
    import_id: str | None = UNSET
    name: str | None = UNSET
    recurring: bool | None = UNSET
    unit_price: Decimal | None = UNSET
    currency: str | None = UNSET
    term_months: int | None = UNSET
    active: bool | None = UNSET


@strawberry.type
class ProductPayload:
    product: Product | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _line_connection(page: Page[docs.ProductLine], after: str | None
                     ) -> Connection[ProductLine]:
    return connection(page, [ProductLine.from_doc(line) for _, line in page.items], after)


async def customer_product_lines(info: Info, customer_id: PydanticObjectId | None,
                                 first: int | None, after: str | None
                                 ) -> Connection[ProductLine]:
    page = await product_lines.list_lines(info.context.actor, first, after,
                                          product_lines.LineQuery(customer_id=customer_id))
    return _line_connection(page, after)


@strawberry.type
class ProductQueries:
    @strawberry.field(description="The product catalog, by import id.")
    async def products(self, info: Info, first: int | None = None, after: str | None = None,
                       filter: ProductFilter | None = None,  # noqa: A002
                       ) -> Connection[Product]:
        given = filter or ProductFilter()
        page = await products.list_products(info.context.actor, first, after, products.ProductQuery(
            search=given.search, recurring=given.recurring, active=given.active))
        return connection(page, [Product.from_doc(p) for _, p in page.items], after)

    @strawberry.field
    async def product(self, info: Info, id: strawberry.ID) -> Product | None:  # noqa: A002
        found = await products.get_product(info.context.actor, from_global_id(id, "Product"))
        return None if found is None else Product.from_doc(found)

    @strawberry.field(description="Product lines in the order they were imported.")
    async def product_lines(self, info: Info, first: int | None = None,
                            after: str | None = None,
                            filter: ProductLineFilter | None = None,  # noqa: A002
                            ) -> Connection[ProductLine]:
        given = filter or ProductLineFilter()
        page = await product_lines.list_lines(info.context.actor, first, after,
                                              product_lines.LineQuery(
            customer_id=optional_id(given.customer_id, "Customer"),
            product_id=optional_id(given.product_id, "Product"),
            opportunity=given.opportunity, renewal=given.renewal,
            billing_from=given.billing_from, billing_to=given.billing_to))
        return _line_connection(page, after)

    @strawberry.field
    async def product_line(self, info: Info, id: strawberry.ID  # noqa: A002
                           ) -> ProductLine | None:
        found = await product_lines.get_line(info.context.actor,
                                             from_global_id(id, "ProductLine"))
        return None if found is None else ProductLine.from_doc(found)

    @strawberry.field(description="Bookings of new product lines (renewals book nothing).")
    async def bookings(self, info: Info, first: int | None = None, after: str | None = None,
                       filter: BookingFilter | None = None,  # noqa: A002
                       ) -> Connection[Booking]:
        given = filter or BookingFilter()
        page = await product_lines.list_lines(info.context.actor, first, after,
                                              product_lines.LineQuery(
            customer_id=optional_id(given.customer_id, "Customer"), booked=True,
            booked_from=given.from_, booked_to=given.to))
        return connection(page, [Booking.from_line(line) for _, line in page.items], after)

    @strawberry.field(description="Recognized revenue per month, summed over the lines: even "
                      "over each line's term, or by its custom method.")
    async def revenue_schedule(self, info: Info, filter: RevenueFilter | None = None,  # noqa: A002
                               ) -> list[RevenueMonth]:
        given = filter or RevenueFilter()
        months = await product_lines.revenue_by_month(
            info.context.actor, product_lines.LineQuery(
                customer_id=optional_id(given.customer_id, "Customer"),
                product_id=optional_id(given.product_id, "Product")),
            given.from_, given.to)
        return [RevenueMonth(month=m.month, amount=m.amount) for m in months]


@strawberry.type
class ProductMutations:
    @strawberry.mutation(description="Add a product to the catalog.")
    async def product_create(self, info: Info, input: ProductInput  # noqa: A002
                             ) -> ProductPayload:
        return await payload(info, products.product_create(info.context.actor, to_changes(input)),
                              lambda doc: ProductPayload(product=Product.from_doc(doc)),
                              ProductPayload)

    @strawberry.mutation(description="Change a product; fields left out stay as they are.")
    async def product_update(self, info: Info, id: strawberry.ID,  # noqa: A002
                             input: ProductInput) -> ProductPayload:  # noqa: A002
        return await payload(info, products.product_update(
            info.context.actor, from_global_id(id, "Product"), to_changes(input)),
            lambda doc: ProductPayload(product=Product.from_doc(doc)), ProductPayload)

