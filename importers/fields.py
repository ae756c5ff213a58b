"""The field registry: the one list of import target fields per entity.

Mapping suggestions, coercion and validation, `importFields` and the template
all read this list: each field's label, its aliases (in order of preference:
when two columns match a field, the one matching the earlier name wins), and
the kind of value it takes, which a column's values must fit before the column
is proposed for the field.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from functools import cache

from documents.text import CUSTOM_FIELD_KEY_LIMIT, custom_key_problem


class Entity(StrEnum):
    CUSTOMERS = "CUSTOMERS"
    SITES = "SITES"
    CONTACTS = "CONTACTS"
    EQUIPMENT = "EQUIPMENT"
    PRODUCTS = "PRODUCTS"
    PRODUCT_LINES = "PRODUCT_LINES"
    # The standard template: a workbook with a sheet per entity above.
    TEMPLATE = "TEMPLATE"


class FieldType(StrEnum):
    TEXT = "TEXT"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    NUMBER = "NUMBER"  # a decimal, kept exact
    # Exact money: a float cell is rounded to cents only when it is within 1e-9 of them.
    MONEY = "MONEY"
    INTEGER = "INTEGER"
    # A name in a lookup list (customer type, payment term, ...) or a customer name.
    REFERENCE = "REFERENCE"


class ValueKind(StrEnum):
    """What a field's values look like, finer than its type: a proposal checks
    a column's values against it (see importers/value_kinds.py).
    """

    TEXT = "TEXT"  # anything
    NAME = "NAME"  # a person, company, place or thing: has letters; no number, amount, yes/no
    CODE = "CODE"  # an identifier: a word or number, never yes/no, an amount or a date
    ADDRESS = "ADDRESS"  # a street line: has letters
    PLACE = "PLACE"  # a suburb, state or country: a few words, no bare number
    POSTCODE = "POSTCODE"  # short, with a digit
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    DATE = "DATE"  # a date cell or date text; a bare number is never a date
    BOOLEAN = "BOOLEAN"
    NUMBER = "NUMBER"
    INTEGER = "INTEGER"
    MONEY = "MONEY"  # a number, maybe with a currency sign or code
    CURRENCY = "CURRENCY"  # a three-letter code


# The kind of value a field of each type takes, unless the field says otherwise.
_KIND_OF_TYPE = {FieldType.TEXT: ValueKind.TEXT, FieldType.EMAIL: ValueKind.EMAIL,
                 FieldType.PHONE: ValueKind.PHONE, FieldType.BOOLEAN: ValueKind.BOOLEAN,
                 FieldType.DATE: ValueKind.DATE, FieldType.NUMBER: ValueKind.NUMBER,
                 FieldType.INTEGER: ValueKind.INTEGER, FieldType.REFERENCE: ValueKind.NAME,
                 FieldType.MONEY: ValueKind.MONEY}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    description: str = ""
    # The range a NUMBER, MONEY or INTEGER field takes (inclusive); outside it the row fails.
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    kind: ValueKind | None = None  # None: the kind of its type
    # A field whose column also fills this one when the file has no column of its
    # own for it (e.g. a product's name column is its Import ID too).
    fallback: str | None = None
    # Its values are unique in a file: a fallback column must have unique values.
    unique: bool = False

    @property
    def value_kind(self) -> ValueKind:
        return self.kind or _KIND_OF_TYPE[self.type]


CUSTOM_PREFIX = "custom:"
# Money up to a trillion, terms up to a hundred years: beyond them a value is a typo.
_MONEY_MAX = Decimal(1_000_000_000_000)
_TERM_MAX = Decimal(1200)


ADDRESS_PARTS = ("line1", "line2", "suburb", "state", "postcode", "country")
_ADDRESS_KINDS = (ValueKind.ADDRESS, ValueKind.ADDRESS, ValueKind.PLACE, ValueKind.PLACE,
                  ValueKind.POSTCODE, ValueKind.PLACE)


def _address(
    prefix: str, labels: tuple[str, ...], aliases: tuple[tuple[str, ...], ...]
) -> list[Field]:
    return [
        Field(f"{prefix}.{part}", label, aliases=names, kind=kind)
        for part, label, names, kind in zip(ADDRESS_PARTS, labels, aliases, _ADDRESS_KINDS,
                                            strict=True)
    ]


# What each part of an address is called in headers, in order of preference.
# A header may put a qualifier before them ("Shipping City", "Billing Code"):
# ADDRESS_QUALIFIERS says which address a qualifier means.
ADDRESS_PART_NAMES = (
    ("Address Line 1", "Address", "Street", "Address 1", "Street 1", "Street Address"),
    ("Address Line 2", "Address 2", "Street 2", "Apt", "Suite", "Apt Suite", "Unit"),
    ("Suburb", "City", "Town", "Locality"),
    ("State", "Region", "Province", "County", "State Province"),
    ("Postcode", "Post Code", "Postal Code", "Zip", "Zip Code", "Postcode Zip"),
    ("Country", "Country Name"),
)
# Part names too vague alone ("Code" is any code), used only after a qualifier.
QUALIFIED_PART_NAMES = ((), (), (), (), ("Code",), ())
SITE = "site"
BILLING = "billing"
# First words of a header that say whose address it is. Shipping, service and
# street addresses are where the work is done: the site.
ADDRESS_QUALIFIERS = {
    "shipping": SITE, "ship to": SITE, "ship": SITE, "site": SITE, "service": SITE,
    "street": SITE, "delivery": SITE, "physical": SITE, "location": SITE,
    "billing": BILLING, "bill to": BILLING, "bill": BILLING, "mailing": BILLING,
    "postal": BILLING, "po": BILLING, "sa": SITE,  # Xero: POCity, SACity
}

SITE_ADDRESS_LABELS = ("Address Line 1", "Address Line 2", "Suburb", "State", "Postcode", "Country")
SITE_ADDRESS_ALIASES = tuple(
    (*names[1:], *(f"Site {name}" for name in names))
    for names in ADDRESS_PART_NAMES)
BILLING_ADDRESS_LABELS = tuple(f"Billing {label}" for label in SITE_ADDRESS_LABELS)
BILLING_ADDRESS_ALIASES = tuple(
    (*(f"Billing {name}" for name in names[1:]), *extra)
    for names, extra in zip(ADDRESS_PART_NAMES, (("Postal Address",), (), (), (), (), ()),
                            strict=True))

CUSTOMER_FIELDS = [
    Field("name", "Customer Name", aliases=("Customer", "Name", "Client", "Client Name",
                                            "Account Name"),
          description="The unique identifier; defaults to the company name, else first and "
          "last name.", kind=ValueKind.NAME),
    Field("company_name", "Company Name", aliases=("Company", "Business Name", "Organisation",
                                                   "Organization"), kind=ValueKind.NAME),
    Field("first_name", "First Name", aliases=("Given Name", "First"), kind=ValueKind.NAME),
    Field("last_name", "Last Name", aliases=("Surname", "Family Name", "Last"),
          kind=ValueKind.NAME),
    Field("email", "Email", FieldType.EMAIL, aliases=("Email Address", "E-mail", "Email ID")),
    Field("phone", "Phone", FieldType.PHONE, aliases=("Phone Number", "Telephone", "Tel",
                                                      "Work Phone")),
    Field("mobile", "Mobile", FieldType.PHONE, aliases=("Mobile Number", "Mobile Phone", "Cell",
                                                        "Cell Phone")),
    Field("customer_type", "Customer Type", FieldType.REFERENCE, aliases=("Type",),
          description="Created when missing."),
    Field("lead_source", "Lead Source", FieldType.REFERENCE, aliases=("Source",),
          description="Created when missing."),
    Field("payment_term", "Payment Term", FieldType.REFERENCE,
          aliases=("Terms",),
          description="Must exist."),
    Field("price_level", "Price Level", FieldType.REFERENCE, description="Must exist."),
    Field("assigned_user", "Assigned User", FieldType.REFERENCE,
          aliases=("Account Manager", "Sales Rep"), description="Must exist."),
    *_address("site_address", SITE_ADDRESS_LABELS, SITE_ADDRESS_ALIASES),
    *_address("billing_address", BILLING_ADDRESS_LABELS, BILLING_ADDRESS_ALIASES),
    Field("billing_same_as_site", "Billing Same As Site", FieldType.BOOLEAN),
    Field("billing_customer", "Billing Customer", FieldType.REFERENCE,
          aliases=("Bill To", "Billing Account"),
          description="A customer in the database or anywhere in the same file."),
    Field("care_of_name", "Care Of Name",
          aliases=("Care Of", "C/O", "Billing Attention", "Attention", "Attention To", "Attn"),
          kind=ValueKind.NAME,
          description="The name invoices are addressed to, care of the billing customer."),
    Field("billing_account_number", "Billing Account Number",
          aliases=("Account Number at Billing Customer",),
          description="The customer's account number at its billing customer (not its own).",
          kind=ValueKind.CODE),
    Field("account_number", "Account Number",
          aliases=("Account No", "Acct No", "Customer ID", "Customer Code", "Customer Number",
                   "Customer No", "ID Number", "Account ID", "Account Code", "Client ID",
                   "Client Code", "Client Number"),
          description="The customer's own number or code in the system the data came from; "
          "unique when set (case and spaces ignored).", kind=ValueKind.CODE),
]

# Sites, contacts and equipment may name their customer by its own account number.
_OWNER_ACCOUNT = Field("customer_account_number", "Customer Account Number",
                       # No aliases: beside a customer name column, "Customer ID" is
                       # not what a person maps; it is proposed by its own label only.
                       FieldType.REFERENCE,
                       description="The customer's own account number, instead of its name.",
                       kind=ValueKind.CODE)

_SITE_ADDRESS = _address("address", SITE_ADDRESS_LABELS, SITE_ADDRESS_ALIASES)
# In this order on the template's Sites sheet: column B is Address Line 1 and
# column E the Billing Customer, as the guide users follow describes.
SITE_FIELDS = [
    Field("name", "Site Name", aliases=("Site", "Name"),
          description="Defaults to Address Line 1.", kind=ValueKind.NAME),
    *_SITE_ADDRESS[:3],
    Field("billing_customer", "Billing Customer", FieldType.REFERENCE, required=True,
          # In an order export the ship-to name is the customer receiving at the site.
          aliases=("Customer", "Customer Name", "Client", "Ship Name", "Ship To Name"),
          description="The customer the site belongs to, by name (or give its Customer "
          "Account Number)."),
    *_SITE_ADDRESS[3:],
    Field("contact_name", "Site Contact", aliases=("Contact", "Contact Name"),
          kind=ValueKind.NAME),
    Field("phone", "Site Phone", FieldType.PHONE, aliases=("Phone",)),
    Field("email", "Site Email", FieldType.EMAIL, aliases=("Email",)),
    Field("notes", "Notes", aliases=("Comments", "Site Notes")),
    _OWNER_ACCOUNT,
]

CONTACT_FIELDS = [
    Field("customer", "Customer", FieldType.REFERENCE, required=True,
          aliases=("Customer Name", "Client", "Company", "Account Name"),
          description="The customer, by name (or give its Customer Account Number)."),
    Field("first_name", "First Name", aliases=("Given Name", "First")),
    Field("last_name", "Last Name", aliases=("Surname", "Family Name", "Last")),
    Field("role", "Role", aliases=("Position", "Title", "Job Title", "Designation")),
    Field("email", "Email", FieldType.EMAIL, aliases=("Email Address", "E-mail", "Email ID")),
    Field("phone", "Phone", FieldType.PHONE, aliases=("Phone Number", "Telephone", "Tel",
                                                      "Work Phone")),
    Field("mobile", "Mobile", FieldType.PHONE, aliases=("Mobile Number", "Mobile Phone",
                                                        "Cell")),
    Field("is_primary", "Primary Contact", FieldType.BOOLEAN, aliases=("Primary", "Main Contact")),
    _OWNER_ACCOUNT,
]

EQUIPMENT_FIELDS = [
    Field("customer", "Customer", FieldType.REFERENCE, required=True,
          aliases=("Customer Name", "Client", "Company", "Company Name"),
          description="The customer, by name (or give its Customer Account Number)."),
    Field("site", "Site", FieldType.REFERENCE, aliases=("Site Name", "Location"),
          description="One of the customer's sites, by name."),
    Field("name", "Equipment Name", required=True,
          aliases=("Equipment", "Name", "Asset", "Asset Name", "Item", "Item Name"),
          kind=ValueKind.NAME),
    Field("make", "Make", aliases=("Manufacturer", "Brand"), kind=ValueKind.NAME),
    # A model number is usually the maker's part number, kept as a custom field.
    Field("model", "Model", aliases=("Model Name",), kind=ValueKind.NAME),
    # An asset tag identifies the item when there is no serial number column.
    Field("serial_number", "Serial Number", aliases=("Serial", "Serial No", "S/N", "Asset Tag"),
          kind=ValueKind.CODE),
    Field("install_date", "Install Date", FieldType.DATE,
          aliases=("Installed", "Installation Date", "Purchase Date")),
    Field("warranty_expiry", "Warranty Expiry", FieldType.DATE,
          aliases=("Warranty", "Warranty End", "Warranty Expiry Date")),
    _OWNER_ACCOUNT,
]

PRODUCT_FIELDS = [
    Field("import_id", "Import ID", required=True, aliases=("Product ID", "SKU", "Product Code",
                                                            "Code", "ID"),
          description="Unique per organization; what product lines name.", kind=ValueKind.CODE,
          fallback="name", unique=True),
    Field("name", "Product Name", aliases=("Name", "Product", "Title", "Description",
                                           "Item Name"),
          description="Required for a new product.", kind=ValueKind.NAME),
    Field("recurring", "Recurring", FieldType.BOOLEAN, aliases=("Subscription", "Is Recurring")),
    Field("unit_price", "Unit Price", FieldType.MONEY,
          aliases=("Price", "List Price", "Rate", "Regular Price", "Unit Cost", "Cost"),
          minimum=Decimal(0), maximum=_MONEY_MAX),
    Field("currency", "Currency", aliases=("Currency Code",),
          description="A three-letter code; AUD when not given.", kind=ValueKind.CURRENCY),
    Field("term_months", "Term Months", FieldType.INTEGER, aliases=("Term", "Default Term"),
          description="The default term of a recurring product's lines.",
          minimum=Decimal(1), maximum=_TERM_MAX),
    Field("active", "Active", FieldType.BOOLEAN, aliases=("Enabled", "Published")),
]

PRODUCT_LINE_FIELDS = [
    Field("line_id", "ID", required=True,
          aliases=("Line ID", "Contract ID", "Product Line ID", "Contract Number",
                   "Subscription ID", "Invoice Number", "Invoice No"),
          description="Unique per product line (or contract); importing it again updates it.",
          kind=ValueKind.CODE),
    Field("customer", "Customer", FieldType.REFERENCE, required=True,
          aliases=("Customer Name", "Account", "Account Name", "Client"),
          description="By name; created when missing."),
    Field("opportunity", "Opportunity", aliases=("Opportunity Name", "Deal", "Opportunity ID")),
    Field("product", "Product", FieldType.REFERENCE, required=True,
          aliases=("Product ID", "Product Import ID", "SKU"),
          description="A product's Import ID.", kind=ValueKind.CODE),
    Field("renewal", "Renewal", FieldType.BOOLEAN, aliases=("Is Renewal",),
          description="true renews the customer's latest unrenewed line of the product; "
          "default false (new, with a booking)."),
    Field("quantity", "Quantity", FieldType.NUMBER, required=True, aliases=("Qty", "Units"),
          description="A positive number.", maximum=Decimal(1_000_000_000)),
    Field("unit_price", "Unit Price", FieldType.MONEY, aliases=("Price", "Rate", "Item Price"),
          description="The price at sale; wins over the product's catalog price.",
          minimum=Decimal(0), maximum=_MONEY_MAX),
    Field("amount", "Amount", FieldType.MONEY, aliases=("Line Total", "Line Amount", "Total"),
          description="Quantity x unit price; given alone, it sets the unit price.",
          minimum=Decimal(0), maximum=_MONEY_MAX),
    # A file without billing dates bills each line from its start.
    Field("billing_date", "Billing Date", FieldType.DATE, aliases=("Bill Date", "Invoice Date"),
          description="Defaults to the import's date.", fallback="start_date"),
    Field("booking_date", "Booking Date", FieldType.DATE, aliases=("Booked", "Close Date"),
          description="Defaults to the billing date."),
    Field("start_date", "Start Date", FieldType.DATE, aliases=("Start", "Service Start"),
          description="Defaults to the billing date."),
    Field("end_date", "End Date", FieldType.DATE, aliases=("End", "Service End")),
    Field("term_months", "Term Months", FieldType.INTEGER, aliases=("Term",),
          description="Defaults to the product's (recurring products).",
          minimum=Decimal(1), maximum=_TERM_MAX),
    Field("custom_billing", "Custom Billing",
          aliases=("Billing Schedule", "Billing Frequency", "Frequency", "Billing Cycle"),
          description="monthly, quarterly, semi-annually, annually, upfront, or "
          "2026-01-01=100; 2026-04-01=100."),
    Field("custom_revenue", "Custom Rev Recognition",
          aliases=("Custom Revenue Recognition", "Revenue Recognition", "Rev Rec"),
          description="point in time [YYYY-MM-DD], or 2026-01-01=25%; 2026-04-01=75%."),
    _OWNER_ACCOUNT,
]

FIELDS: dict[Entity, list[Field]] = {
    Entity.CUSTOMERS: CUSTOMER_FIELDS,
    Entity.SITES: SITE_FIELDS,
    Entity.CONTACTS: CONTACT_FIELDS,
    Entity.EQUIPMENT: EQUIPMENT_FIELDS,
    Entity.PRODUCTS: PRODUCT_FIELDS,
    Entity.PRODUCT_LINES: PRODUCT_LINE_FIELDS,
    Entity.TEMPLATE: [],  # each sheet has the fields of its own entity
}


# Custom fields as columns: a header "Custom: <Label>" (any case, spaces around
# the colon ignored) is the custom field <Label> of an entity that keeps custom
# fields, read with no mapping step. Exports head their custom field columns so,
# and the template's instructions say so.
CUSTOM_HEADER = "Custom: "
CUSTOM_FIELD_ENTITIES = frozenset({Entity.CUSTOMERS})


def custom_header(label: str) -> str:
    """The header of a custom field's column: what custom_field_of_header reads back."""
    return CUSTOM_HEADER + label


def custom_field_of_header(entity: Entity, header: str) -> str | None:
    """The custom field (`custom:<Label>`) a column's header names, if `entity`
    keeps custom fields.
    """
    word, colon, label = header.partition(":")
    if not colon or word.strip().casefold() != "custom":
        return None
    key = CUSTOM_PREFIX + label.strip()
    return key if field_for(entity, key) is not None else None


@cache  # read for every cell of every imported row
def field_for(entity: Entity, key: str) -> Field | None:
    """The target field `key` of `entity`; `custom:<Label>` is a custom field of
    an entity that keeps them, when <Label> can be a custom field's key.
    """
    if key.startswith(CUSTOM_PREFIX):
        label = key[len(CUSTOM_PREFIX):].strip()
        if (entity not in CUSTOM_FIELD_ENTITIES or not label or custom_key_problem(label)
                or len(label) > CUSTOM_FIELD_KEY_LIMIT):
            return None
        return Field(CUSTOM_PREFIX + label, label)
    return next((f for f in FIELDS[entity] if f.key == key), None)


def unknown_field_reason(entity: Entity, key: str) -> str:
    """Why `key` names no field of `entity` (see field_for), for a person."""
    if key.startswith(CUSTOM_PREFIX):
        if entity not in CUSTOM_FIELD_ENTITIES:
            return (f"{key!r}: only customers keep custom fields, "
                    f"{entity.value.replace('_', ' ')} do not.")
        label = key[len(CUSTOM_PREFIX):].strip()
        if not label:
            return f"{key!r} names no custom field: put its name after {CUSTOM_PREFIX!r}."
        if len(label) > CUSTOM_FIELD_KEY_LIMIT:
            return (f"{key!r}: a custom field key has at most {CUSTOM_FIELD_KEY_LIMIT} "
                    "characters.")
        return f"{key!r}: {custom_key_problem(label)}"
    return f"{key!r} is not a {entity.value} field."


# The registry speaks of "Customer"; an organization may call them something
# else (settings.customer_label, e.g. "Client"). Everything a person reads is
# derived from the registry with the org's word by the functions below, so the
# registry stays the one source.
REGISTRY_WORD = "Customer"
_QUOTED = r"'[^']*'|\"[^\"]*\""
_WORD = r"\b(?P<word>customers?)\b"
_HAS_WORD = re.compile(_WORD, re.IGNORECASE)


def relabel(text: str, customer_label: str, keep: Iterable[str | None] = ()) -> str:
    """`text` with the word "customer(s)" replaced by the organization's word, in
    the same case. Quoted parts and the texts in `keep` (names and values from
    the data, such as a row's cells) are left alone.
    """
    label = customer_label.strip()
    if not label or label == REGISTRY_WORD or not _HAS_WORD.search(text):
        return text
    # "Client" is written "client" mid-sentence; an acronym ("NDIS Participant") keeps its case.
    lower = label if label[1:2].isupper() else label[0].lower() + label[1:]
    # Only kept texts that hold the word need guarding (and most hold none, so the
    # pattern is usually the same one, compiled once).
    kept = sorted({k for k in keep if k and _HAS_WORD.search(k)}, key=len, reverse=True)
    protected = "|".join([_QUOTED, *(re.escape(k) for k in kept)])
    pattern = re.compile(f"(?P<kept>{protected})|{_WORD}", re.IGNORECASE)

    def word_for(match: re.Match[str]) -> str:
        if match.group("kept"):
            return match.group(0)
        found = match.group("word")
        plural = found[-1] in "sS"
        word = label if found[0].isupper() else lower
        if found.isupper() and len(found) > 1:
            word = word.upper()
        return word + ("s" if plural and not word.lower().endswith("s") else "")

    return pattern.sub(word_for, text)


def labelled_field(target: Field, customer_label: str) -> Field:
    """A field as the organization reads it: label and description in its word;
    the registry's own label stays an alias, so files headed either way import.
    """
    label = relabel(target.label, customer_label)
    description = relabel(target.description, customer_label)
    if label == target.label and description == target.description:
        return target
    aliases = tuple(relabel(a, customer_label) for a in target.aliases)
    return replace(target, label=label, description=description,
                   aliases=tuple(dict.fromkeys((*aliases, target.label, *target.aliases))))


def labelled_fields(entity: Entity, customer_label: str) -> list[Field]:
    """The registry's fields of `entity` in the organization's word."""
    return [labelled_field(target, customer_label) for target in FIELDS[entity]]
