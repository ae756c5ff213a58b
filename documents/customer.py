"""A customer with its sites, contacts and equipment embedded.

Embedding keeps a field app's read of a customer to one document fetch and
makes each edit one atomic replace (guarded by `version`).
"""

from datetime import date, datetime
from enum import StrEnum

from beanie import PydanticObjectId
from bson import ObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow
from documents.contact_values import national_variants
from documents.text import name_key, search_prefixes, search_tokens


class Address(BaseModel):
    line1: str | None = None
    line2: str | None = None
    suburb: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    def search_texts(self) -> list[str | None]:
        return [self.line1, self.suburb, self.postcode]


class Site(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId, alias="_id")
    name: str
    address: Address = Field(default_factory=Address)
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None
    # Phone fields kept as typed (not a valid number where they were read).
    typed_phones: list[str] = Field(default_factory=list)
    updated_at: datetime = Field(default_factory=utcnow)
    # The site's words and its customer's name: what a site search matches.
    search_tokens: list[str] = Field(default_factory=list)

    def search_texts(self) -> list[str | None]:
        return [self.name, *self.address.search_texts()]


class Contact(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId, alias="_id")
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    is_primary: bool = False
    # Phone fields kept as typed (not a valid number where they were read).
    typed_phones: list[str] = Field(default_factory=list)


class Equipment(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId, alias="_id")
    name: str
    make: str | None = None
    model: str | None = None
    serial_number: str | None = None
    install_date: date | None = None
    warranty_expiry: date | None = None
    site_id: PydanticObjectId | None = None


class InvoicingOption(StrEnum):
    SEND_TO_BILLING_CUSTOMER = "send_to_billing_customer"
    COPY_TO_SITE_CUSTOMER = "copy_to_site_customer"
    SHOW_SITE_ADDRESS = "show_site_address"
    SHOW_CARE_OF_NAME = "show_care_of_name"


class BillingArrangement(BaseModel):
    """A site customer (a tenant) invoiced through another customer (a property manager)."""

    billing_customer_id: PydanticObjectId
    care_of_name: str | None = None
    account_number: str | None = None
    invoicing_options: list[InvoicingOption] = Field(default_factory=list)


# Every ObjectId is at least this one: a range no null or missing value is in.
_ANY_OBJECT_ID = {"$gte": ObjectId("000000000000000000000000")}


def _reference_index(path: str) -> IndexModel:
    """(org_id, path) over the customers that have the reference `path` only."""
    return IndexModel([("org_id", ASCENDING), (path, ASCENDING)],
                      partialFilterExpression={path: _ANY_OBJECT_ID})


class Customer(TenantDocument):
    name: str
    # Case-folded, whitespace-collapsed name: the customer's unique identifier.
    name_key: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    # The customer's own number or code in the system its data came from.
    account_number: str | None = None
    # name_key of account_number: unique per organization when set.
    account_key: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    # Phone fields (phone, mobile) kept as typed, not in E.164: not a valid
    # number where they were read. Any other phone is E.164 (`;ext=N` appended).
    typed_phones: list[str] = Field(default_factory=list)
    customer_type_id: PydanticObjectId | None = None
    lead_source_id: PydanticObjectId | None = None
    payment_term_id: PydanticObjectId | None = None
    price_level_id: PydanticObjectId | None = None
    assigned_user_id: PydanticObjectId | None = None
    site_address: Address = Field(default_factory=Address)
    billing_address: Address = Field(default_factory=Address)
    billing_same_as_site: bool = False
    billing: BillingArrangement | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    archived: bool = False
    sites: list[Site] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    equipment: list[Equipment] = Field(default_factory=list)
    search_tokens: list[str] = Field(default_factory=list)
    # What the search index holds: the first letters of each search token
    # (documents.text.search_prefixes). Missing on customers stored before it:
    # `sitebook reindex-search` sets it.
    search_prefixes: list[str] = Field(default_factory=list)
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "customers"
        # Each index costs every write of a customer (SecantusDB rewrites all
        # of them on a replace): only those a read or a uniqueness rule needs.
        # Point reads and the guarded replace ({_id, org_id, version}) need
        # none: TenantDocument.scoped puts `_id` first, the primary key.
        indexes = [
            # Unique name: customerByName, import matching by name, pages in
            # name order (name fences), the billing customer named in a file.
            IndexModel([("org_id", ASCENDING), ("name_key", ASCENDING)], unique=True),
            # Account numbers are unique when set; imports match by them (matchBy).
            IndexModel([("org_id", ASCENDING), ("account_key", ASCENDING)], unique=True,
                       partialFilterExpression={"account_key": {"$type": "string"}}),
            # Customer and site search: a search word's first letters (equality),
            # then a name range, so a page reads a bounded window of the
            # customers that match (resolvers/name_order), never the whole org.
            IndexModel([("org_id", ASCENDING), ("search_prefixes", ASCENDING),
                        ("name_key", ASCENDING)]),
            # customers and sites filtered by updatedSince (field apps' sync).
            IndexModel([("org_id", ASCENDING), ("updated_at", ASCENDING)]),
            # customers(filter: {billingCustomerId}) (a property manager's tenants)
            # and the lookups' IN_USE counts by customerTypeId, leadSourceId and
            # assignedUserId, and those filters. Partial: a customer without the
            # reference writes no entry; an equality on an id implies the range,
            # so both servers use the index for it.
            _reference_index("billing.billing_customer_id"),
            _reference_index("customer_type_id"),
            _reference_index("lead_source_id"),
            _reference_index("assigned_user_id"),
            # node(id) / nodes(ids) of a site, contact or equipment, and their
            # update and delete mutations, find the customer holding it. An
            # empty list writes no entry.
            IndexModel([("org_id", ASCENDING), ("sites._id", ASCENDING)]),
            IndexModel([("org_id", ASCENDING), ("contacts._id", ASCENDING)]),
            IndexModel([("org_id", ASCENDING), ("equipment._id", ASCENDING)]),
        ]

    def prepare_for_save(self) -> None:
        """Derived fields, recomputed before every write of a customer."""
        self.updated_at = utcnow()
        self.account_key = name_key(self.account_number) if self.account_number else None
        if self.billing_same_as_site:
            self.billing_address = self.site_address.model_copy()
        self.refresh_search_tokens(national_variants([self.phone, self.mobile]))

    def refresh_search_tokens(self, phone_variants: list[str]) -> None:
        """Recompute the tokens search runs on; `phone_variants` are extra
        spellings of the phones (national format) so "0412" finds "+61412...".
        """
        texts: list[str | None] = [
            self.name,
            self.first_name,
            self.last_name,
            self.company_name,
            self.account_number,
            self.email,
            self.phone,
            self.mobile,
            *phone_variants,
            *self.site_address.search_texts(),
        ]
        for site in self.sites:
            texts.extend(site.search_texts())
            site.search_tokens = search_tokens([self.name, *site.search_texts()])
        self.search_tokens = search_tokens(texts)
        self.search_prefixes = search_prefixes(self.search_tokens)
