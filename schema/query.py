"""The Query type."""

import asyncio
from typing import Annotated

import strawberry

from documents import lookups
from resolvers import customer_queries, imports, mappings, product_lines, products, site_queries
from resolvers import lookups as lookup_resolvers
from resolvers.actor import Actor
from resolvers.customer_queries import CustomerQuery
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.pagination import MAX_PAGE
from resolvers.site_queries import SiteQuery
from schema.context import Info
from schema.ids import from_global_id, optional_id, parse_global_id
from schema.imports import ImportJob, SavedMapping
from schema.inputs import CustomerFilter, SiteFilter
from schema.products import Product, ProductLine
from schema.types import (
    Connection,
    Contact,
    Customer,
    CustomerType,
    Equipment,
    FromDocument,
    LeadSource,
    Node,
    PaymentTerm,
    PriceLevel,
    Settings,
    Site,
    User,
    connection,
    sites_of,
)

MAX_NODES = MAX_PAGE
_EMBEDDED = {"Site": "sites._id", "Contact": "contacts._id", "Equipment": "equipment._id"}


@strawberry.type
class Query:
    @strawberry.field(description="Customers in name order; `first` defaults to 50, at most 100.")
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,  # noqa: A002 - the API's name
    ) -> Connection[Customer]:
        given = filter or CustomerFilter()
        query = CustomerQuery(
            search=given.search,
            customer_type_id=optional_id(given.customer_type_id, "CustomerType"),
            lead_source_id=optional_id(given.lead_source_id, "LeadSource"),
            assigned_user_id=optional_id(given.assigned_user_id, "User"),
            billing_customer_id=optional_id(given.billing_customer_id, "Customer"),
            archived=given.archived,
            updated_since=given.updated_since,
        )
        page = await customer_queries.list_customers(info.context.actor, first, after, query)
        return connection(page, [Customer.from_raw(raw) for _, raw in page.items], after)

    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:  # noqa: A002
        found = await customer_queries.get_customer(
            info.context.actor, from_global_id(id, "Customer")
        )
        return None if found is None else Customer.from_raw(found)

    @strawberry.field(description="The customer with this name, ignoring case and extra spaces.")
    async def customer_by_name(self, info: Info, name: str) -> Customer | None:
        found = await customer_queries.customer_by_name(info.context.actor, name)
        return None if found is None else Customer.from_raw(found)

    @strawberry.field(description="Sites across all active customers, by customer name.")
    async def sites(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SiteFilter | None = None,  # noqa: A002
    ) -> Connection[Site]:
        given = filter or SiteFilter()
        query = SiteQuery(
            search=given.search,
            customer_id=optional_id(given.customer_id, "Customer"),
            updated_since=given.updated_since,
        )
        page = await site_queries.list_sites(info.context.actor, first, after, query)
        return connection(page, sites_of([found for _, found in page.items]), after)

    @strawberry.field(description="The object with this id, of any type that implements "
                      "Node; null when there is none in your organization.")
    async def node(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(  # noqa: A002
            description="A global id, as any object's `id` gives it.")],
    ) -> Node | None:
        return await _node(info.context.actor, id)

    @strawberry.field(description=f"The objects with these ids, in the same order, null for "
                      f"each that is not found; at most {MAX_NODES} ids.")
    async def nodes(
        self, info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(
            description="Global ids, of any types.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise UserFacingError(Problem(
                ErrorCode.INVALID, f"At most {MAX_NODES} ids at once; {len(ids)} were given.",
                ["ids"]))
        # One lookup per id (each through its type's resolver, which checks the
        # role), sent together rather than one after another.
        found = await asyncio.gather(*(_node(info.context.actor, given) for given in ids),
                                     return_exceptions=True)
        for result in found:
            if isinstance(result, BaseException):
                raise result
        return [result for result in found if not isinstance(result, BaseException)]

    @strawberry.field
    async def customer_types(self, info: Info) -> list[CustomerType]:
        docs = await lookup_resolvers.list_lookup(info.context.actor, lookups.CustomerType)
        return [CustomerType.from_doc(doc) for doc in docs]

    @strawberry.field
    async def lead_sources(self, info: Info) -> list[LeadSource]:
        docs = await lookup_resolvers.list_lookup(info.context.actor, lookups.LeadSource)
        return [LeadSource.from_doc(doc) for doc in docs]

    @strawberry.field
    async def payment_terms(self, info: Info) -> list[PaymentTerm]:
        docs = await lookup_resolvers.list_lookup(info.context.actor, lookups.PaymentTerm)
        return [PaymentTerm.from_doc(doc) for doc in docs]

    @strawberry.field
    async def price_levels(self, info: Info) -> list[PriceLevel]:
        docs = await lookup_resolvers.list_lookup(info.context.actor, lookups.PriceLevel)
        return [PriceLevel.from_doc(doc) for doc in docs]

    @strawberry.field(description="Account managers and technicians.")
    async def users(self, info: Info) -> list[User]:
        docs = await lookup_resolvers.list_lookup(info.context.actor, lookups.User)
        return [User.from_doc(doc) for doc in docs]

    @strawberry.field
    def settings(self, info: Info) -> Settings:
        current = info.context.actor.settings
        return Settings(customer_label=current.customer_label,
                        default_region=current.default_region, date_order=current.date_order)


async def _node(actor: Actor, global_id: str) -> Node | None:
    parsed = parse_global_id(global_id)
    if parsed is None:
        return None
    type_name, object_id = parsed
    if type_name == "Customer":
        found = await customer_queries.get_customer(actor, object_id)
        return None if found is None else Customer.from_raw(found)
    if type_name in _EMBEDDED:
        owner = await customer_queries.customer_owning(actor, _EMBEDDED[type_name], object_id)
        if owner is None:
            return None
        held = next(item for item in owner[_EMBEDDED[type_name].split(".")[0]]
                    if item["_id"] == object_id)
        if type_name == "Site":
            return Site.from_raw(held, owner)
        if type_name == "Contact":
            return Contact.from_raw(held)
        return Equipment.from_raw(held, owner)
    if type_name == "Product":
        product = await products.get_product(actor, object_id)
        return None if product is None else Product.from_doc(product)
    if type_name == "ProductLine":
        line = await product_lines.get_line(actor, object_id)
        return None if line is None else ProductLine.from_doc(line)
    if type_name == "ImportJob":
        job = await imports.get_import_job(actor, object_id)
        return None if job is None else ImportJob.from_doc(job)
    if type_name == "SavedMapping":
        saved = await mappings.get_saved_mapping(actor, object_id)
        return None if saved is None else SavedMapping.from_doc(saved)
    lookup = _LOOKUP_TYPES.get(type_name)
    if lookup is None:
        return None
    document, graphql_type = lookup
    doc = await lookup_resolvers.get_lookup(actor, document, object_id)
    built = None if doc is None else graphql_type.from_doc(doc)
    return built if isinstance(built, Node) else None


_LOOKUP_TYPES: dict[str, tuple[type[lookups.Lookup], type[FromDocument]]] = {
    "CustomerType": (lookups.CustomerType, CustomerType),
    "LeadSource": (lookups.LeadSource, LeadSource),
    "PaymentTerm": (lookups.PaymentTerm, PaymentTerm),
    "PriceLevel": (lookups.PriceLevel, PriceLevel),
    "User": (lookups.User, User),
}
