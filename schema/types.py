"""The GraphQL object types, built from stored documents."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Generic, Self, TypeVar

import strawberry

from documents import customer as docs
from documents import lookups
from documents.customer import InvoicingOption
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.pagination import MAX_PAGE, Page, page_size
from schema.context import Info
from schema.cost import TOTAL_COUNT_COST
from schema.ids import from_global_id, to_global_id

if TYPE_CHECKING:
    from schema.products import ProductLine

# The stored enum is the GraphQL enum too (strawberry.enum registers the class).
strawberry.enum(InvoicingOption)


@strawberry.interface(description="An object with an opaque global id.")
class Node:
    id: strawberry.ID


@strawberry.type
class Address:
    line1: str | None
    line2: str | None
    suburb: str | None
    state: str | None
    postcode: str | None
    country: str | None
    latitude: float | None
    longitude: float | None

    @classmethod
    def from_doc(cls, doc: docs.Address) -> Self:
        return cls(**doc.model_dump())


@strawberry.type
class CustomField:
    key: str
    value: str


@strawberry.type
class CustomerType(Node):
    name: str

    @classmethod
    def from_doc(cls, doc: lookups.CustomerType) -> Self:
        return cls(id=to_global_id("CustomerType", doc.id), name=doc.name)


@strawberry.type
class LeadSource(Node):
    name: str

    @classmethod
    def from_doc(cls, doc: lookups.LeadSource) -> Self:
        return cls(id=to_global_id("LeadSource", doc.id), name=doc.name)


@strawberry.type
class PaymentTerm(Node):
    name: str
    due_days: int

    @classmethod
    def from_doc(cls, doc: lookups.PaymentTerm) -> Self:
        return cls(id=to_global_id("PaymentTerm", doc.id), name=doc.name, due_days=doc.due_days)


@strawberry.type
class PriceLevel(Node):
    name: str
    adjustment_percent: Decimal

    @classmethod
    def from_doc(cls, doc: lookups.PriceLevel) -> Self:
        return cls(
            id=to_global_id("PriceLevel", doc.id),
            name=doc.name,
            adjustment_percent=doc.adjustment_percent,
        )


@strawberry.type(description="An account manager or technician.")
class User(Node):
    name: str
    email: str | None

    @classmethod
    def from_doc(cls, doc: lookups.User) -> Self:
        return cls(id=to_global_id("User", doc.id), name=doc.name, email=doc.email)


@strawberry.type
class Contact(Node):
    first_name: str | None
    last_name: str | None
    role: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    is_primary: bool
    typed_phones: list[str] = strawberry.field(
        description="The phone fields (phone, mobile) kept as typed, not in E.164.")

    @classmethod
    def from_doc(cls, doc: docs.Contact) -> Self:
        return cls(
            id=to_global_id("Contact", doc.id),
            first_name=doc.first_name,
            last_name=doc.last_name,
            role=doc.role,
            email=doc.email,
            phone=doc.phone,
            mobile=doc.mobile,
            is_primary=doc.is_primary,
            typed_phones=list(doc.typed_phones),
        )


@strawberry.type
class Site(Node):
    name: str
    address: Address
    contact_name: str | None
    phone: str | None
    typed_phones: list[str] = strawberry.field(
        description="[\"phone\"] when the phone is kept as typed, not in E.164.")
    email: str | None
    notes: str | None
    updated_at: datetime
    _doc: strawberry.Private[docs.Site]
    _owner: strawberry.Private[docs.Customer]

    @classmethod
    def from_doc(cls, doc: docs.Site, owner: docs.Customer) -> Self:
        return cls(
            id=to_global_id("Site", doc.id),
            name=doc.name,
            address=Address.from_doc(doc.address),
            contact_name=doc.contact_name,
            phone=doc.phone,
            typed_phones=list(doc.typed_phones),
            email=doc.email,
            notes=doc.notes,
            updated_at=doc.updated_at,
            _doc=doc,
            _owner=owner,
        )

    @strawberry.field
    def equipment(self) -> list["Equipment"]:
        return [
            Equipment.from_doc(item, self._owner)
            for item in self._owner.equipment
            if item.site_id == self._doc.id
        ]

    @strawberry.field
    def customer(self) -> "Customer":
        return Customer.from_doc(self._owner)


@strawberry.type
class Equipment(Node):
    name: str
    make: str | None
    model: str | None
    serial_number: str | None
    install_date: date | None
    warranty_expiry: date | None
    _doc: strawberry.Private[docs.Equipment]
    _owner: strawberry.Private[docs.Customer]

    @classmethod
    def from_doc(cls, doc: docs.Equipment, owner: docs.Customer) -> Self:
        return cls(
            id=to_global_id("Equipment", doc.id),
            name=doc.name,
            make=doc.make,
            model=doc.model,
            serial_number=doc.serial_number,
            install_date=doc.install_date,
            warranty_expiry=doc.warranty_expiry,
            _doc=doc,
            _owner=owner,
        )

    @strawberry.field
    def site(self) -> Site | None:
        site = next((s for s in self._owner.sites if s.id == self._doc.site_id), None)
        return None if site is None else Site.from_doc(site, self._owner)

    @strawberry.field
    def customer(self) -> "Customer":
        return Customer.from_doc(self._owner)


@strawberry.type(description="How a site customer is invoiced through its billing customer.")
class Billing:
    care_of_name: str | None
    account_number: str | None
    invoicing_options: list[InvoicingOption]
    _doc: strawberry.Private[docs.BillingArrangement]

    @strawberry.field
    async def billing_customer(self, info: Info) -> "Customer | None":
        found = await info.context.loaders.customer_by_id.load(self._doc.billing_customer_id)
        return None if found is None else Customer.from_doc(found)


# A customer's sites, contacts and equipment are stored in the customer's own
# document (read and written with it, atomically), so they come whole with it:
# MongoDB bounds a document at 16 MB. These arguments page through them.
_HELD = ("They are part of the customer, so all come at once unless `first` is given; "
         "the database bounds a customer at 16 MB (tens of thousands of sites).")
_First = Annotated[int | None, strawberry.argument(
    description=f"At most this many (0 to {MAX_PAGE}); left out: all.")]
_After = Annotated[strawberry.ID | None, strawberry.argument(
    description="The id of the last item of the previous page: the items after it.")]
E = TypeVar("E", docs.Site, docs.Contact, docs.Equipment)


def _window(items: list[E], first: int | None, after: str | None, type_name: str) -> list[E]:
    start = 0
    if after is not None:
        wanted = from_global_id(after, type_name)
        start = next((i + 1 for i, item in enumerate(items) if item.id == wanted), -1)
        if start < 0:
            raise UserFacingError(Problem(
                ErrorCode.INVALID, f"after is not the id of one of this customer's "
                f"{type_name.lower()} items.", ["after"]))
    return items[start:] if first is None else items[start:start + page_size(first)]


@strawberry.type
class Customer(Node):
    name: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    account_number: str | None = strawberry.field(
        description="The customer's own number or code in the system its data came from.")
    email: str | None
    phone: str | None = strawberry.field(
        description="E.164 (an extension as ;ext=N), or as typed when listed in typedPhones.")
    mobile: str | None
    typed_phones: list[str] = strawberry.field(
        description="The phone fields (phone, mobile) kept as typed: not a valid number "
        "where they were read, so not in E.164.")
    site_address: Address
    billing_address: Address
    billing_same_as_site: bool
    archived: bool
    created_at: datetime
    updated_at: datetime
    _doc: strawberry.Private[docs.Customer]

    @classmethod
    def from_doc(cls, doc: docs.Customer) -> Self:
        return cls(
            id=to_global_id("Customer", doc.id),
            name=doc.name,
            first_name=doc.first_name,
            last_name=doc.last_name,
            company_name=doc.company_name,
            account_number=doc.account_number,
            email=doc.email,
            phone=doc.phone,
            mobile=doc.mobile,
            typed_phones=list(doc.typed_phones),
            site_address=Address.from_doc(doc.site_address),
            billing_address=Address.from_doc(
                doc.site_address if doc.billing_same_as_site else doc.billing_address
            ),
            billing_same_as_site=doc.billing_same_as_site,
            archived=doc.archived,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            _doc=doc,
        )

    @strawberry.field(description="What this customer bought, in the order it was imported.")
    async def product_lines(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> "Connection[Annotated[ProductLine, strawberry.lazy('schema.products')]]":
        from schema.products import customer_product_lines  # products import this module

        return await customer_product_lines(info, self._doc.id, first, after)

    @strawberry.field
    async def customer_type(self, info: Info) -> CustomerType | None:
        if self._doc.customer_type_id is None:
            return None
        found = await info.context.loaders.customer_type_by_id.load(self._doc.customer_type_id)
        return None if found is None else CustomerType.from_doc(found)

    @strawberry.field
    async def lead_source(self, info: Info) -> LeadSource | None:
        if self._doc.lead_source_id is None:
            return None
        found = await info.context.loaders.lead_source_by_id.load(self._doc.lead_source_id)
        return None if found is None else LeadSource.from_doc(found)

    @strawberry.field
    async def payment_term(self, info: Info) -> PaymentTerm | None:
        if self._doc.payment_term_id is None:
            return None
        found = await info.context.loaders.payment_term_by_id.load(self._doc.payment_term_id)
        return None if found is None else PaymentTerm.from_doc(found)

    @strawberry.field
    async def price_level(self, info: Info) -> PriceLevel | None:
        if self._doc.price_level_id is None:
            return None
        found = await info.context.loaders.price_level_by_id.load(self._doc.price_level_id)
        return None if found is None else PriceLevel.from_doc(found)

    @strawberry.field(description="The account manager.")
    async def assigned_user(self, info: Info) -> User | None:
        if self._doc.assigned_user_id is None:
            return None
        found = await info.context.loaders.user_by_id.load(self._doc.assigned_user_id)
        return None if found is None else User.from_doc(found)

    @strawberry.field
    def billing(self) -> Billing | None:
        arrangement = self._doc.billing
        if arrangement is None:
            return None
        return Billing(
            care_of_name=arrangement.care_of_name,
            account_number=arrangement.account_number,
            invoicing_options=list(arrangement.invoicing_options),
            _doc=arrangement,
        )

    @strawberry.field(description=f"The customer's sites, in the order they were added. {_HELD}")
    def sites(self, first: _First = None, after: _After = None) -> list[Site]:
        return [Site.from_doc(site, self._doc)
                for site in _window(self._doc.sites, first, after, "Site")]

    @strawberry.field(description=f"The customer's contacts, in the order they were added. "
                      f"{_HELD}")
    def contacts(self, first: _First = None, after: _After = None) -> list[Contact]:
        return [Contact.from_doc(contact)
                for contact in _window(self._doc.contacts, first, after, "Contact")]

    @strawberry.field(description=f"The customer's equipment, in the order it was added. {_HELD}")
    def equipment(self, first: _First = None, after: _After = None) -> list[Equipment]:
        return [Equipment.from_doc(item, self._doc)
                for item in _window(self._doc.equipment, first, after, "Equipment")]

    @strawberry.field
    def custom_fields(self) -> list[CustomField]:
        return [CustomField(key=k, value=v) for k, v in self._doc.custom_fields.items()]


@strawberry.type
class Settings:
    customer_label: str = strawberry.field(
        description='The word this business uses for "Customer", e.g. "Client".'
    )
    default_region: str = strawberry.field(
        description="Region code used to read phone numbers without a country code."
    )
    date_order: str = strawberry.field(
        description="DAY_FIRST or MONTH_FIRST: how imports read dates like 03/04/2026 "
        "when a column's values fit both."
    )


N = TypeVar("N")


@strawberry.type(description="Where a page is in its list (Relay). Lists are read forward only "
                  "(`first`, `after`), with keyset cursors.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page: true when it was asked for `after` "
        "a cursor (Relay allows this answer when paging forward).")
    start_cursor: str | None = strawberry.field(
        description="The first item's cursor; null when the page is empty.")
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor, for `after` to get the next page; null when the "
        "page is empty.")


@strawberry.type(description="An item of a list, with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Give it as `after` to read what follows.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (a Relay connection).")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The page's items with their cursors.")
    nodes: list[N] = strawberry.field(description="The page's items, when cursors are not needed.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    _page: strawberry.Private[Page[Any]]

    @strawberry.field(
        description="How many match, across all pages. It reads every match, so it costs "
        "more than a page (see the README's query costs).",
        metadata={"cost": TOTAL_COUNT_COST})
    async def total_count(self) -> int:
        return await self._page.count()


def connection(page: Page[Any], nodes: list[N], after: str | None = None) -> Connection[N]:
    """A connection of `nodes`, the page's items as GraphQL objects; `after`: the
    cursor the page was asked for.
    """
    edges = [
        Edge(cursor=cursor, node=node)
        for (cursor, _), node in zip(page.items, nodes, strict=True)
    ]
    return Connection(
        edges=edges,
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next_page, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _page=page,
    )
