"""The GraphQL object types, built from stored documents.

Customers (with their sites, contacts and equipment) are read as raw documents
and their GraphQL objects built straight from them: a customer is validated
when it is written, and validating it again as a Beanie model on every read
was a sixth of the service's CPU on a page.
"""

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Generic, Self, TypeVar

import strawberry
from pydantic import BaseModel

from documents import customer as docs
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


# A stored document as the database gave it (BSON decoded, not validated).
Raw = dict[str, Any]
T = TypeVar("T")


def _build(cls: type[T], values: dict[str, Any]) -> T:
    """An object of a GraphQL type, its attributes set straight from `values`
    (the dataclass `__init__` checks nothing a stored document needs).
    """
    built = cls.__new__(cls)
    built.__dict__.update(values)
    return built


def _stored_fields(cls: type, *computed: str) -> tuple[str, ...]:
    """The fields of GraphQL type `cls` that are stored under the same name: those
    without a resolver, other than `id` and `computed`. Declaring a field on the
    type (and in the document) is all it takes to read it.
    """
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    return tuple(f.python_name for f in definition.fields
                 if f.base_resolver is None and f.python_name not in ("id", *computed))


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """What the document model reads for a field a stored document lacks (one
    written before the field existed).
    """
    return {name: info.get_default(call_default_factory=True)
            for name, info in model.model_fields.items() if not info.is_required()}


def _as_date(value: Any) -> date | None:
    # BSON has no date: a date is stored as midnight UTC.
    return value.date() if isinstance(value, datetime) else value


def _kinds(model: type[BaseModel], names: tuple[str, ...]) -> dict[str, tuple[type, ...]]:
    """The Python types each of `names` may hold, from the document model."""
    kinds: dict[str, tuple[type, ...]] = {}
    for name in names:
        annotation = model.model_fields[name].annotation
        options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) \
            else (annotation,)
        kinds[name] = tuple(typing.cast(type, typing.get_origin(o) or o) for o in options)
    return kinds


@dataclass(frozen=True)
class _Stored:
    """How a GraphQL type reads its fields stored under the same name."""

    model: type[BaseModel]
    names: tuple[str, ...]
    defaults: dict[str, Any]
    kinds: dict[str, tuple[type, ...]]

    @classmethod
    def of(cls, graphql_type: type, model: type[BaseModel], *computed: str) -> "_Stored":
        names = _stored_fields(graphql_type, *computed)
        return cls(model, names, _defaults(model), _kinds(model, names))

    def read(self, raw: Raw) -> dict[str, Any]:
        values = {name: raw.get(name, self.defaults.get(name)) for name in self.names}
        for name, value in values.items():
            if not isinstance(value, self.kinds[name]):
                # A document that does not fit its model (written around the
                # service): the model says what is wrong, as an unexpected error.
                self.model.model_validate(raw)
        return values


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
    def from_raw(cls, raw: Raw | None) -> Self:
        raw = raw or {}
        return _build(cls, {name: raw.get(name) for name in _ADDRESS})


_ADDRESS = _stored_fields(Address)


@strawberry.type
class CustomField:
    key: str
    value: str


class FromDocument:
    """A GraphQL type whose fields are its document's fields of the same names, and
    whose id is its type's: declaring a field is all it takes to show it.
    """

    @classmethod
    def from_doc(cls, doc: Any) -> Self:
        names = _FIELDS_OF.get(cls)
        if names is None:
            names = _FIELDS_OF[cls] = _stored_fields(cls)
        values = {name: getattr(doc, name) for name in names}
        values["id"] = to_global_id(cls.__name__, doc.id)
        return _build(cls, values)


_FIELDS_OF: dict[type, tuple[str, ...]] = {}


@strawberry.type
class CustomerType(Node, FromDocument):
    name: str


@strawberry.type
class LeadSource(Node, FromDocument):
    name: str


@strawberry.type
class PaymentTerm(Node, FromDocument):
    name: str
    due_days: int


@strawberry.type
class PriceLevel(Node, FromDocument):
    name: str
    adjustment_percent: Decimal


@strawberry.type(description="An account manager or technician.")
class User(Node, FromDocument):
    name: str
    email: str | None


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
    def from_raw(cls, raw: Raw) -> Self:
        values = _CONTACT.read(raw)
        values["id"] = to_global_id("Contact", raw["_id"])
        return _build(cls, values)

    @classmethod
    def from_doc(cls, doc: docs.Contact) -> Self:
        return cls.from_raw(doc.model_dump(by_alias=True))


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
    _raw: strawberry.Private[Raw]
    _owner: strawberry.Private[Raw]

    @classmethod
    def from_raw(cls, raw: Raw, owner: Raw) -> Self:
        values = _SITE.read(raw)
        values.update(id=to_global_id("Site", raw["_id"]),
                      address=Address.from_raw(raw.get("address")), _raw=raw, _owner=owner)
        return _build(cls, values)

    @staticmethod
    def from_doc(doc: docs.Site, owner: docs.Customer) -> "Site":
        return sites_of([(doc, owner)])[0]

    @strawberry.field
    def equipment(self) -> list["Equipment"]:
        return [Equipment.from_raw(item, self._owner)
                for item in self._owner.get("equipment", ())
                if item.get("site_id") == self._raw["_id"]]

    @strawberry.field
    def customer(self) -> "Customer":
        return Customer.from_raw(self._owner)


def sites_of(found: list[tuple[docs.Site, docs.Customer]]) -> list[Site]:
    """Sites read as documents, as GraphQL objects (each owner converted once)."""
    owners: dict[Any, Raw] = {}
    sites = []
    for site, owner in found:
        if owner.id not in owners:
            owners[owner.id] = owner.to_mongo()
        raw_owner = owners[owner.id]
        raw = next(s for s in raw_owner["sites"] if s["_id"] == site.id)
        sites.append(Site.from_raw(raw, raw_owner))
    return sites


@strawberry.type
class Equipment(Node):
    name: str
    make: str | None
    model: str | None
    serial_number: str | None
    install_date: date | None
    warranty_expiry: date | None
    _raw: strawberry.Private[Raw]
    _owner: strawberry.Private[Raw]

    @classmethod
    def from_raw(cls, raw: Raw, owner: Raw) -> Self:
        values = _EQUIPMENT.read(raw)
        values.update(id=to_global_id("Equipment", raw["_id"]),
                      install_date=_as_date(raw.get("install_date")),
                      warranty_expiry=_as_date(raw.get("warranty_expiry")),
                      _raw=raw, _owner=owner)
        return _build(cls, values)

    @classmethod
    def from_doc(cls, doc: docs.Equipment, owner: docs.Customer) -> Self:
        raw_owner = owner.to_mongo()
        raw = next(e for e in raw_owner["equipment"] if e["_id"] == doc.id)
        return cls.from_raw(raw, raw_owner)

    @strawberry.field
    def site(self) -> Site | None:
        site_id = self._raw.get("site_id")
        site = next((s for s in self._owner.get("sites", ()) if s["_id"] == site_id), None)
        return None if site is None else Site.from_raw(site, self._owner)

    @strawberry.field
    def customer(self) -> "Customer":
        return Customer.from_raw(self._owner)


@strawberry.type(description="How a site customer is invoiced through its billing customer.")
class Billing:
    care_of_name: str | None
    account_number: str | None
    invoicing_options: list[InvoicingOption]
    _raw: strawberry.Private[Raw]

    @strawberry.field
    async def billing_customer(self, info: Info) -> "Customer | None":
        found = await info.context.loaders.customer_by_id.load(
            self._raw["billing_customer_id"])
        return None if found is None else Customer.from_raw(found)


# A customer's sites, contacts and equipment are stored in the customer's own
# document (read and written with it, atomically), so they come whole with it:
# MongoDB bounds a document at 16 MB. These arguments page through them.
_HELD = ("They are part of the customer, so all come at once unless `first` is given; "
         "the database bounds a customer at 16 MB (tens of thousands of sites).")
_First = Annotated[int | None, strawberry.argument(
    description=f"At most this many (0 to {MAX_PAGE}); left out: all.")]
_After = Annotated[strawberry.ID | None, strawberry.argument(
    description="The id of the last item of the previous page: the items after it.")]


def _window(items: list[Raw], first: int | None, after: str | None,
            type_name: str) -> list[Raw]:
    start = 0
    if after is not None:
        wanted = from_global_id(after, type_name)
        start = next((i + 1 for i, item in enumerate(items) if item["_id"] == wanted), -1)
        if start < 0:
            raise UserFacingError(Problem(
                ErrorCode.INVALID, f"after is not the id of one of this customer's "
                f"{type_name.lower()} items.", ["after"]))
    return items[start:] if first is None else items[start:start + page_size(first)]


_Lookup = TypeVar("_Lookup", "CustomerType", "LeadSource", "PaymentTerm", "PriceLevel", "User")


async def _lookup(raw: Raw, key: str, loader: Any, graphql_type: type[_Lookup]) -> _Lookup | None:
    """The lookup (customer type, lead source, ...) a customer names by id, if any."""
    lookup_id = raw.get(key)
    if lookup_id is None:
        return None
    found = await loader.load(lookup_id)
    return None if found is None else graphql_type.from_doc(found)


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
    _raw: strawberry.Private[Raw]

    @classmethod
    def from_raw(cls, raw: Raw) -> Self:
        """Straight from the stored document: validating a whole customer (sites
        and all) as a model would only re-check what was checked when it was written.
        """
        values = _CUSTOMER.read(raw)
        site_address = raw.get("site_address")
        values.update(
            id=to_global_id("Customer", raw["_id"]),
            site_address=Address.from_raw(site_address),
            billing_address=Address.from_raw(
                site_address if values["billing_same_as_site"] else raw.get("billing_address")),
            _raw=raw,
        )
        return _build(cls, values)

    @classmethod
    def from_doc(cls, doc: docs.Customer) -> Self:
        return cls.from_raw(doc.to_mongo())

    @strawberry.field(description="What this customer bought, in the order it was imported.")
    async def product_lines(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> "Connection[Annotated[ProductLine, strawberry.lazy('schema.products')]]":
        from schema.products import customer_product_lines  # products import this module

        return await customer_product_lines(info, self._raw["_id"], first, after)

    @strawberry.field
    async def customer_type(self, info: Info) -> CustomerType | None:
        return await _lookup(self._raw, "customer_type_id",
                             info.context.loaders.customer_type_by_id, CustomerType)

    @strawberry.field
    async def lead_source(self, info: Info) -> LeadSource | None:
        return await _lookup(self._raw, "lead_source_id",
                             info.context.loaders.lead_source_by_id, LeadSource)

    @strawberry.field
    async def payment_term(self, info: Info) -> PaymentTerm | None:
        return await _lookup(self._raw, "payment_term_id",
                             info.context.loaders.payment_term_by_id, PaymentTerm)

    @strawberry.field
    async def price_level(self, info: Info) -> PriceLevel | None:
        return await _lookup(self._raw, "price_level_id",
                             info.context.loaders.price_level_by_id, PriceLevel)

    @strawberry.field(description="The account manager.")
    async def assigned_user(self, info: Info) -> User | None:
        return await _lookup(self._raw, "assigned_user_id", info.context.loaders.user_by_id,
                             User)

    @strawberry.field
    def billing(self) -> Billing | None:
        arrangement = self._raw.get("billing")
        if arrangement is None:
            return None
        return _build(Billing, {
            "care_of_name": arrangement.get("care_of_name"),
            "account_number": arrangement.get("account_number"),
            "invoicing_options": [InvoicingOption(option)
                                  for option in arrangement.get("invoicing_options", ())],
            "_raw": arrangement,
        })

    @strawberry.field(description=f"The customer's sites, in the order they were added. {_HELD}")
    def sites(self, first: _First = None, after: _After = None) -> list[Site]:
        return [Site.from_raw(site, self._raw)
                for site in _window(self._raw.get("sites", []), first, after, "Site")]

    @strawberry.field(description=f"The customer's contacts, in the order they were added. "
                      f"{_HELD}")
    def contacts(self, first: _First = None, after: _After = None) -> list[Contact]:
        return [Contact.from_raw(contact)
                for contact in _window(self._raw.get("contacts", []), first, after, "Contact")]

    @strawberry.field(description=f"The customer's equipment, in the order it was added. {_HELD}")
    def equipment(self, first: _First = None, after: _After = None) -> list[Equipment]:
        return [Equipment.from_raw(item, self._raw)
                for item in _window(self._raw.get("equipment", []), first, after, "Equipment")]

    @strawberry.field
    def custom_fields(self) -> list[CustomField]:
        return [CustomField(key=k, value=v) for k, v in self._raw.get("custom_fields", {}).items()]


_CONTACT = _Stored.of(Contact, docs.Contact)
_SITE = _Stored.of(Site, docs.Site, "address")
_EQUIPMENT = _Stored.of(Equipment, docs.Equipment, "install_date", "warranty_expiry")
_CUSTOMER = _Stored.of(Customer, docs.Customer, "site_address", "billing_address")


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
