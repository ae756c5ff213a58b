"""Descriptions for the schema's types, fields, arguments and enum values that
do not carry one where they are defined, applied once when the schema is built.

Most are written where the field is defined (`strawberry.field(description=...)`);
this module holds the rest in one place: fields that mirror a field of the
import registry take its words (importers.fields, the one source of what a
column means), the shapes every mutation shares (payloads, userErrors, ids) get
one rule, and the domain enums (which know nothing of GraphQL) are described
here. A description written inline wins; a key here that names nothing in the
schema, or something already described inline, is an error, so the two never
drift apart. tests/test_schema_contract.py fails on anything left undescribed.
"""

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from importers.fields import FIELDS, Entity, FieldType
from importers.issues import ISSUE_DESCRIPTIONS

# GraphQL types whose fields are (mostly) the import registry's fields.
_REGISTRY_TYPES = {
    "Customer": Entity.CUSTOMERS, "CustomerInput": Entity.CUSTOMERS,
    "Site": Entity.SITES, "SiteInput": Entity.SITES,
    "Contact": Entity.CONTACTS, "ContactInput": Entity.CONTACTS,
    "Equipment": Entity.EQUIPMENT, "EquipmentInput": Entity.EQUIPMENT,
    "Product": Entity.PRODUCTS, "ProductInput": Entity.PRODUCTS,
    "ProductLine": Entity.PRODUCT_LINES,
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def registry_description(entity: Entity, key: str) -> str | None:
    """What the import registry says of field `key`, and the column it is imported from."""
    found = next((f for f in FIELDS[entity] if f.key == key), None)
    # A reference column holds a name; the GraphQL field holds the object itself.
    if found is None or found.type is FieldType.REFERENCE:
        return None
    if found.description:
        return f'{found.description} (Import column "{found.label}".)'
    return f'The {found.label.lower()} (import column "{found.label}").'


# ---------------------------------------------------------------------------
# Written descriptions: "Type" for a type, "Type.field", "Type.field(argument)",
# "Enum.VALUE".
# ---------------------------------------------------------------------------
DESCRIPTIONS: dict[str, str] = {
    # Roots
    "Query": "What can be read. Every answer holds only the caller's organization's data.",
    "Mutation": "What can be changed. Each mutation answers with its object and `userErrors` "
    "(code, message and the argument's path): expected failures are never GraphQL errors.",
    "ImportSubscriptions": "Following imports as they run (graphql-transport-ws on /graphql).",
    "ImportSubscriptions.importJobUpdated(id)": "The import job's id.",
    "Query.customer": "The customer with this id; null when there is none in your organization.",
    "Query.customer(id)": "The customer's id.",
    "Query.customers(filter)": "Only the customers that match every condition given.",
    "Query.customerByName(name)": "The name to look for.",
    "Query.sites(filter)": "Only the sites that match every condition given.",
    "Query.customerTypes": "The organization's customer types, by name.",
    "Query.leadSources": "The organization's lead sources, by name.",
    "Query.paymentTerms": "The organization's payment terms, by name.",
    "Query.priceLevels": "The organization's price levels, by name.",
    "Query.settings": "The organization's settings.",
    "Query.importJob": "The import job with this id; null when there is none in your "
    "organization.",
    "Query.importJob(id)": "The import job's id (from importFile).",
    "Query.importJobs(filter)": "Only the jobs that match every condition given.",
    "Query.savedMappings": "The saved mappings of an entity, by name.",
    "Query.savedMappings(entity)": "What the mappings import.",
    "Query.importFields(entity)": "What the file holds.",
    "Query.products(filter)": "Only the products that match every condition given.",
    "Query.product": "The product with this id; null when there is none in your organization.",
    "Query.product(id)": "The product's id.",
    "Query.productLines(filter)": "Only the lines that match every condition given.",
    "Query.productLine": "The product line with this id; null when there is none in your "
    "organization.",
    "Query.productLine(id)": "The product line's id.",
    "Query.bookings(filter)": "Only the bookings that match every condition given.",
    "Query.revenueSchedule(filter)": "Only the lines that match every condition given.",

    # Mutations and their arguments
    "Mutation.customerCreate": "Add a customer; its name must be new in the organization.",
    "Mutation.customerCreate(input)": "The customer's fields.",
    "Mutation.customerUpdate": "Change a customer: fields left out keep their value, null "
    "clears one.",
    "Mutation.customerUpdate(id)": "The customer's id.",
    "Mutation.customerUpdate(input)": "The fields to change.",
    "Mutation.customerArchive(id)": "The customer's id.",
    "Mutation.customerArchive(archived)": "true archives the customer, false restores it.",
    "Mutation.billingCustomerAssign(customerId)": "The customer to be invoiced through another.",
    "Mutation.billingCustomerAssign(input)": "The billing customer and how invoices go.",
    "Mutation.billingCustomerClear": "Stop invoicing a customer through a billing customer.",
    "Mutation.billingCustomerClear(customerId)": "The customer's id.",
    "Mutation.siteCreate": "Add a site to a customer.",
    "Mutation.siteCreate(customerId)": "The customer the site belongs to.",
    "Mutation.siteCreate(input)": "The site's fields.",
    "Mutation.siteUpdate": "Change a site: fields left out keep their value, null clears one.",
    "Mutation.siteUpdate(id)": "The site's id.",
    "Mutation.siteUpdate(input)": "The fields to change.",
    "Mutation.siteDelete(id)": "The site's id.",
    "Mutation.contactCreate(customerId)": "The customer the contact belongs to.",
    "Mutation.contactCreate(input)": "The contact's fields.",
    "Mutation.contactUpdate": "Change a contact: fields left out keep their value, null clears "
    "one.",
    "Mutation.contactUpdate(id)": "The contact's id.",
    "Mutation.contactUpdate(input)": "The fields to change.",
    "Mutation.contactDelete": "Remove a contact from its customer.",
    "Mutation.contactDelete(id)": "The contact's id.",
    "Mutation.equipmentCreate": "Add an item of equipment to a customer (at one of its sites, "
    "or none).",
    "Mutation.equipmentCreate(customerId)": "The customer the equipment belongs to.",
    "Mutation.equipmentCreate(input)": "The equipment's fields.",
    "Mutation.equipmentUpdate": "Change an item of equipment: fields left out keep their value, "
    "null clears one.",
    "Mutation.equipmentUpdate(id)": "The equipment's id.",
    "Mutation.equipmentUpdate(input)": "The fields to change.",
    "Mutation.equipmentDelete": "Remove an item of equipment from its customer.",
    "Mutation.equipmentDelete(id)": "The equipment's id.",
    "Mutation.customerTypeCreate(name)": "The new type's name (unique, ignoring case and "
    "spaces).",
    "Mutation.leadSourceCreate(name)": "The new lead source's name (unique, ignoring case and "
    "spaces).",
    "Mutation.paymentTermCreate(input)": "The payment term's fields.",
    "Mutation.priceLevelCreate(input)": "The price level's fields.",
    "Mutation.userCreate(input)": "The user's fields.",
    "Mutation.settingsUpdate(input)": "The settings to change; those left out keep their value.",
    "Mutation.importFile(file)": "The spreadsheet: CSV, XLSX, XLS or ODS (a multipart upload).",
    "Mutation.importFile(input)": "What the file holds and how to import it.",
    "Mutation.importAnalyze(file)": "The spreadsheet: CSV, XLSX, XLS or ODS (a multipart "
    "upload).",
    "Mutation.importAnalyze(input)": "What the file holds.",
    "Mutation.mappingSave(input)": "The mapping and its name.",
    "Mutation.mappingDelete": "Delete a saved mapping.",
    "Mutation.mappingDelete(id)": "The saved mapping's id.",
    "Mutation.importCancel(id)": "The import job's id.",
    "Mutation.importResume(id)": "The failed import job's id.",
    "Mutation.productCreate(input)": "The product's fields.",
    "Mutation.productUpdate(id)": "The product's id.",
    "Mutation.productUpdate(input)": "The fields to change.",

    # Customers and what they hold
    "Customer": "A customer of the business (the organization's word for it may differ: "
    "settings.customerLabel), with its sites, contacts and equipment.",
    "Customer.siteAddress": "The customer's main (site) address.",
    "Customer.billingAddress": "Where invoices go: the site address when billingSameAsSite.",
    "Customer.archived": "Archived customers are left out of lists unless asked for.",
    "Customer.createdAt": "When the customer was added.",
    "Customer.updatedAt": "When the customer, or anything it holds, last changed.",
    "Customer.billing": "How this customer is invoiced through a billing customer; null when "
    "it is invoiced itself.",
    "Customer.customFields": "The organization's own fields, by key.",
    "Customer.customerType": "The customer's type; null when none is set.",
    "Customer.leadSource": "Where the customer came from; null when not known.",
    "Customer.paymentTerm": "When the customer's invoices fall due; null when none is set.",
    "Customer.priceLevel": "The price adjustment the customer gets; null when none is set.",
    "Address": "A postal address, as given (nothing is looked up).",
    "Address.line1": "Street address.",
    "Address.line2": "Unit, floor or building.",
    "Address.suburb": "Suburb, city or town.",
    "Address.state": "State, territory or region.",
    "Address.postcode": "Postcode or ZIP code.",
    "Address.country": "Country.",
    "Address.latitude": "Latitude in degrees, when known.",
    "Address.longitude": "Longitude in degrees, when known.",
    "AddressInput.line1": "Street address.",
    "AddressInput.line2": "Unit, floor or building.",
    "AddressInput.suburb": "Suburb, city or town.",
    "AddressInput.state": "State, territory or region.",
    "AddressInput.postcode": "Postcode or ZIP code.",
    "AddressInput.country": "Country.",
    "AddressInput.latitude": "Latitude in degrees (-90 to 90).",
    "AddressInput.longitude": "Longitude in degrees (-180 to 180).",
    "Billing.careOfName": "The name invoices are addressed to, care of the billing customer.",
    "Billing.accountNumber": "The customer's account number at its billing customer.",
    "Billing.invoicingOptions": "How invoices are sent and what they show.",
    "Billing.billingCustomer": "The customer invoiced on this one's behalf; null if it was "
    "removed.",
    "BillingInput": "Invoice a customer through another (e.g. a tenant through its property "
    "manager).",
    "BillingInput.billingCustomerId": "The billing customer: in the same organization, not the "
    "customer itself, and not billed through this one.",
    "BillingInput.careOfName": "The name invoices are addressed to, care of the billing "
    "customer.",
    "BillingInput.accountNumber": "The customer's account number at its billing customer.",
    "BillingInput.invoicingOptions": "How invoices are sent and what they show.",
    "InvoicingOption": "How a site customer's invoices go through its billing customer.",
    "InvoicingOption.SEND_TO_BILLING_CUSTOMER": "Invoices are sent to the billing customer.",
    "InvoicingOption.COPY_TO_SITE_CUSTOMER": "The site customer gets a copy.",
    "InvoicingOption.SHOW_SITE_ADDRESS": "Invoices show the site's address.",
    "InvoicingOption.SHOW_CARE_OF_NAME": "Invoices show the care-of name.",
    "CustomField": "One of the organization's own fields on a customer.",
    "CustomField.key": "The field's name.",
    "CustomField.value": "The field's value.",
    "CustomFieldInput": "One of the organization's own fields.",
    "CustomFieldInput.key": "The field's name.",
    "CustomFieldInput.value": "The value; null removes the field.",
    "CustomerFilter": "Conditions on customers; all that are given must hold.",
    "CustomerFilter.customerTypeId": "Only customers of this type.",
    "CustomerFilter.leadSourceId": "Only customers from this lead source.",
    "CustomerFilter.assignedUserId": "Only customers this user manages.",
    "CustomerFilter.billingCustomerId": "Only customers invoiced through this customer.",
    "CustomerFilter.updatedSince": "Only customers changed at or after this time (for syncing).",
    "CustomerInput.customerTypeId": "The customer's type (a CustomerType id); null clears it.",
    "CustomerInput.leadSourceId": "Where the customer came from (a LeadSource id); null clears "
    "it.",
    "CustomerInput.paymentTermId": "A PaymentTerm id; null clears it.",
    "CustomerInput.priceLevelId": "A PriceLevel id; null clears it.",
    "CustomerInput.assignedUserId": "The account manager (a User id); null clears it.",
    "CustomerInput.siteAddress": "The customer's main (site) address.",
    "CustomerInput.billingAddress": "Where invoices go, when not the site address.",
    "Site": "A place where work is done for a customer.",
    "Site.address": "The site's address.",
    "Site.updatedAt": "When the site last changed.",
    "Site.equipment": "The equipment at this site.",
    "Site.customer": "The customer the site belongs to.",
    "SiteFilter": "Conditions on sites; all that are given must hold.",
    "SiteFilter.customerId": "Only this customer's sites.",
    "SiteFilter.updatedSince": "Only sites changed at or after this time (for syncing).",
    "SiteInput": "A site's fields: those left out keep their value, null clears one.",
    "SiteInput.address": "The site's address.",
    "Contact": "A person at a customer.",
    "ContactInput": "A contact's fields: those left out keep their value, null clears one.",
    "Equipment": "An item of equipment a customer has, at one of its sites or none.",
    "Equipment.site": "The site the equipment is at; null when none.",
    "Equipment.customer": "The customer the equipment belongs to.",
    "EquipmentInput": "An item of equipment's fields: those left out keep their value, null "
    "clears one.",

    # Lookups and settings
    "CustomerType": "A kind of customer (e.g. Residential, Strata).",
    "CustomerType.name": "The type's name, unique in the organization.",
    "LeadSource": "Where customers come from (e.g. Web, Referral).",
    "LeadSource.name": "The source's name, unique in the organization.",
    "PaymentTerm": "When invoices fall due.",
    "PaymentTerm.name": "The term's name, unique in the organization.",
    "PaymentTerm.dueDays": "Days from the invoice date to its due date.",
    "PaymentTermInput": "A new payment term.",
    "PaymentTermInput.name": "The term's name, unique in the organization.",
    "PaymentTermInput.dueDays": "Days from the invoice date to its due date.",
    "PriceLevel": "A price adjustment some customers get.",
    "PriceLevel.name": "The level's name, unique in the organization.",
    "PriceLevel.adjustmentPercent": "Percent added to list prices (negative: a discount).",
    "PriceLevelInput": "A new price level.",
    "PriceLevelInput.name": "The level's name, unique in the organization.",
    "PriceLevelInput.adjustmentPercent": "Percent added to list prices (negative: a discount).",
    "User.name": "The user's name, unique in the organization.",
    "User.email": "The user's email address.",
    "UserInput": "A new user.",
    "UserInput.name": "The user's name, unique in the organization.",
    "UserInput.email": "The user's email address.",
    "Settings": "The organization's settings.",
    "SettingsInput": "Settings to change; those left out keep their value.",
    "SettingsInput.customerLabel": 'The word the business uses for "Customer", e.g. "Client": '
    "used in the import template, importFields and import messages.",
    "SettingsInput.defaultRegion": "Region code (e.g. AU) used to read phone numbers without "
    "a country code.",
    "SettingsInput.dateOrder": "DAY_FIRST or MONTH_FIRST: how imports read dates like "
    "03/04/2026 when a column's values fit both.",
    "UserError": "Why a mutation changed nothing.",
    "UserError.code": "What went wrong, for programs.",
    "UserError.message": "What went wrong, for people.",
    "UserError.field": "The path of the argument at fault, in camelCase (e.g. "
    '["input", "email"]); empty when no one argument is.',
    "ErrorCode": "What went wrong, in a userError or a GraphQL error's extensions.code.",
    "ErrorCode.INVALID": "The value is not acceptable; the message says why.",
    "ErrorCode.REQUIRED": "A value is needed.",
    "ErrorCode.INVALID_FILE": "What was sent as the file is no file (a text, or a part "
    "without a file name); the message says what arrived.",
    "ErrorCode.INVALID_TEXT": "The text holds a character no stored text may (a control "
    "character other than tab and line breaks); the message names it.",
    "ErrorCode.TEXT_TOO_LONG": "The text is longer than the field keeps (see the README's caps).",
    "ErrorCode.IN_USE": "The entry is in use (the message says by how many customers); it "
    "cannot be deleted.",
    "ErrorCode.DUPLICATE": "Another object already has this unique value.",
    "ErrorCode.NOT_FOUND": "No such object in your organization.",
    "ErrorCode.FORBIDDEN": "Your API key's role may not do this; the message names the "
    "permission needed.",
    "ErrorCode.INVALID_EMAIL": "Not an email address.",
    "ErrorCode.INVALID_PHONE": "Not a phone number.",
    "ErrorCode.BILLING_CUSTOMER_SELF": "A customer cannot bill itself.",
    "ErrorCode.BILLING_CUSTOMER_CYCLE": "The billing customer is billed through this customer.",
    "ErrorCode.UNKNOWN_CUSTOMER_TYPE": "No such customer type.",
    "ErrorCode.UNKNOWN_LEAD_SOURCE": "No such lead source.",
    "ErrorCode.UNKNOWN_PAYMENT_TERM": "No such payment term.",
    "ErrorCode.UNKNOWN_PRICE_LEVEL": "No such price level.",
    "ErrorCode.UNKNOWN_USER": "No such user.",
    "ErrorCode.UNKNOWN_SITE": "No such site at this customer.",
    "ErrorCode.CONFLICT": "The object changed meanwhile, or is in a state that does not allow "
    "this.",
    "ErrorCode.UNSUPPORTED_FILE": "Not a spreadsheet this service reads.",
    "ErrorCode.CORRUPT_FILE": "A spreadsheet that cannot be read.",
    "ErrorCode.FILE_TOO_LARGE": "The file is over the upload limit.",
    "ErrorCode.SHEET_NOT_FOUND": "The workbook has no sheet of that name.",
    "ErrorCode.TOO_MANY_COLUMNS": "The sheet has more columns than are read.",
    "ErrorCode.TOO_MANY_ROWS": "The sheet has more rows than are imported at once.",
    "ErrorCode.PASSWORD_PROTECTED": "The workbook is encrypted.",
    "ErrorCode.CELL_TOO_LONG": "A cell is longer than Excel's 32,767 characters.",
    "ErrorCode.UNKNOWN_FIELD": "Not a field of this entity (see importFields).",
    "ErrorCode.UNKNOWN_COLUMN": "The file has no column with that header.",
    "ErrorCode.INVALID_NUMBER": "Not a number, or out of range.",
    "ErrorCode.INVALID_CURRENCY": "Not a three-letter currency code.",
    "ErrorCode.IDEMPOTENCY_KEY_REUSED": "The idempotency key was used within 24 hours for a "
    "different request.",

    # Products
    "Product": "Something the business sells, once or as a subscription.",
    "Product.createdAt": "When the product was added.",
    "Product.updatedAt": "When the product last changed.",
    "ProductInput": "A product's fields: those left out keep their value.",
    "ProductFilter": "Conditions on products; all that are given must hold.",
    "ProductFilter.recurring": "Only subscription (true) or one-off (false) products.",
    "ProductFilter.active": "Only active (true) or inactive (false) products.",
    "ProductLine": "One product in one purchase by a customer, with what it bills and "
    "recognizes.",
    "ProductLine.unitPrice": "The product's unit price when the line was imported.",
    "ProductLine.amount": "Quantity times unit price.",
    "ProductLine.customRevenueRecognition": "How revenue is recognized when not evenly over "
    "the term; null for even.",
    "ProductLine.revenueSchedule": "Revenue recognized per month; it sums to the amount.",
    "ProductLine.createdAt": "When the line was first imported.",
    "ProductLine.updatedAt": "When the line last changed.",
    "ProductLine.customer": "The customer who bought it.",
    "ProductLine.product": "The product bought.",
    "ProductLineFilter": "Conditions on product lines; all that are given must hold.",
    "ProductLineFilter.customerId": "Only this customer's lines.",
    "ProductLineFilter.productId": "Only lines of this product.",
    "ProductLineFilter.opportunity": "Only lines of this opportunity.",
    "ProductLineFilter.renewal": "Only renewals (true) or new lines (false).",
    "ProductLineFilter.billingFrom": "Only lines billed on or after this date.",
    "ProductLineFilter.billingTo": "Only lines billed on or before this date.",
    "CustomBilling": "How a line is billed when not at once: a frequency or dated amounts.",
    "CustomBilling.installments": "The installments, in date order; they sum to the amount.",
    "CustomRevenueRecognition": "How a line's revenue is recognized when not evenly.",
    "DatedAmount.date": "The installment's date.",
    "DatedAmount.amount": "The installment's amount.",
    "RevenueMonth.month": "The month (its first day).",
    "RevenueMonth.amount": "Revenue recognized in that month.",
    "Booking.amount": "The amount booked: the line's amount.",
    "Booking.bookingDate": "When it was booked.",
    "Booking.opportunity": "The opportunity the line came from.",
    "Booking.line": "The product line that booked it.",
    "Booking.customer": "The customer who bought it.",
    "BookingFilter": "Conditions on bookings; all that are given must hold.",
    "BookingFilter.customerId": "Only this customer's bookings.",
    "BookingFilter.from": "Only bookings on or after this date.",
    "BookingFilter.to": "Only bookings on or before this date.",
    "RevenueFilter": "Conditions on the lines summed; all that are given must hold.",
    "RevenueFilter.customerId": "Only this customer's lines.",
    "RevenueFilter.productId": "Only lines of this product.",
    "RevenueFilter.from": "From this month.",
    "RevenueFilter.to": "Up to this month.",

    # Imports
    "ImportEntity": "What an imported file holds.",
    "ImportEntity.CUSTOMERS": "Customers, matched by name.",
    "ImportEntity.SITES": "Sites, each naming its billing customer.",
    "ImportEntity.CONTACTS": "Contacts, each naming its customer.",
    "ImportEntity.EQUIPMENT": "Equipment, each naming its customer (and site).",
    "ImportEntity.PRODUCTS": "Products, matched by Import ID.",
    "ImportEntity.PRODUCT_LINES": "Product lines, matched by their ID.",
    "ImportEntity.TEMPLATE": "The standard template: a workbook with a sheet per entity, "
    "imported in dependency order.",
    "ImportFieldType": "What kind of value an import field takes.",
    "ImportFieldType.TEXT": "Text.",
    "ImportFieldType.EMAIL": "An email address.",
    "ImportFieldType.PHONE": "A phone number, read in the organization's region without a "
    "country code.",
    "ImportFieldType.BOOLEAN": "true/false, yes/no, y/n, 1/0 or x.",
    "ImportFieldType.DATE": "A date cell, Excel serial number, ISO date or day- or month-first "
    "text.",
    "ImportFieldType.NUMBER": "A decimal number, kept exact.",
    "ImportFieldType.INTEGER": "A whole number.",
    "ImportFieldType.REFERENCE": "The name of another object (a customer, a lookup value).",
    "ImportField": "A field an import can fill, from the field registry, labelled in the "
    "organization's word for customers.",
    "ImportField.key": "What a mapping names (`field`).",
    "ImportField.label": "The template's column header.",
    "ImportField.required": "Whether every row needs a value.",
    "ImportField.type": "What kind of value it takes.",
    "ImportField.aliases": "Other headers recognised as this field.",
    "ImportField.description": "What the field means, and its defaults.",
    "ImportMode": "Which rows an import writes.",
    "ImportMode.UPSERT": "Creates new objects and updates matching ones.",
    "ImportMode.CREATE_ONLY": "Creates new objects; a row matching one fails.",
    "ImportMode.UPDATE_ONLY": "Updates matching objects; a row matching none fails.",
    "ErrorPolicy": "What an import does with a bad row.",
    "ErrorPolicy.REJECT_FAILED_ROWS": "Imports the good rows and reports the bad ones.",
    "ErrorPolicy.ABORT_ON_ERROR": "Stops at the first bad row; nothing of its batch is written.",
    "ImportStatus": "Where an import job is.",
    "ImportStatus.QUEUED": "Waiting for a worker.",
    "ImportStatus.RUNNING": "A worker is importing it.",
    "ImportStatus.SUCCEEDED": "Every row was imported.",
    "ImportStatus.COMPLETED_WITH_ERRORS": "Done; some rows failed (see rowErrors).",
    "ImportStatus.FAILED": "Stopped (see failureReason); importResume goes on from the last "
    "checkpoint.",
    "ImportStatus.CANCELLING": "importCancel was asked while it ran: its worker stops "
    "within a batch.",
    "ImportStatus.CANCELLED": "Cancelled by importCancel.",
    "ImportJob.matchBy": "How stored customers were found: by name or by account number.",
    "MatchBy.NAME": "By name (case and spaces ignored): the customer's unique identifier.",
    "MatchBy.ACCOUNT_NUMBER": "By the customer's own account number; a row may then rename "
    "its customer.",
    "ImportRowWarning.sheet": "The sheet, for a template import; else null.",
    "ImportRowWarning.field": "The field concerned, when one is.",
    "ImportRowWarning.value": "The cell's value, as typed.",
    "ImportRowWarning.code": "What to check, for programs (e.g. PHONE_KEPT_AS_TYPED).",
    "ImportRowWarning.message": "What to check, for people.",
    "RowOutcome.CREATED": "The row created an object.",
    "RowOutcome.UPDATED": "The row changed an object.",
    "RowOutcome.UNCHANGED": "The row matched an object and changed nothing.",
    "RowOutcome.FAILED": "The row failed (see its errors); nothing of it was written.",
    "RowOutcome.SKIPPED": "Not imported: the import stopped first.",
    "ImportFieldType.MONEY": "Exact money: a spreadsheet float is rounded to the cent only "
    "when within 1e-9 of it.",
    **{f"RowIssueCode.{code}": text for code, text in ISSUE_DESCRIPTIONS.items()},
    "ImportJob": "An import of one file: its progress, totals and failed rows.",
    "ImportJob.entity": "What the file holds.",
    "ImportJob.status": "Where the job is.",
    "ImportJob.fileName": "The uploaded file's name.",
    "ImportJob.format": "The file's format, told by its content (CSV, XLSX, XLS or ODS).",
    "ImportJob.mode": "Which rows it writes.",
    "ImportJob.dryRun": "true: everything is checked and nothing written.",
    "ImportJob.createdAt": "When the file was uploaded.",
    "ImportJob.startedAt": "When a worker started it; null while queued.",
    "ImportJob.finishedAt": "When it ended; null until then.",
    "ImportJob.failureReason": "Why it failed, and what to do; null unless it failed.",
    "ImportJob.progress": "How far it is.",
    "ImportJob.totals": "What it did so far.",
    "ImportJob.dateOrders": "How each date column was read.",
    "ImportJobFilter": "Conditions on import jobs; all that are given must hold.",
    "ImportJobFilter.status": "Only jobs in this status.",
    "ImportJobFilter.entity": "Only jobs of this entity.",
    "ImportProgress": "How far an import is.",
    "ImportProgress.processedRows": "Data rows done (imported, failed or skipped).",
    "ImportProgress.totalRows": "Data rows in the file; null until counted.",
    "ImportTotals": "What an import did, by row.",
    "ImportTotals.rows": "Data rows read.",
    "ImportTotals.created": "Rows that created an object.",
    "ImportTotals.updated": "Rows that changed an object.",
    "ImportTotals.unchanged": "Rows that matched an object and changed nothing.",
    "ImportTotals.failed": "Rows that failed (see rowErrors).",
    "ImportRowError": "A row an import could not import, and why.",
    "ImportRowError.sheet": "The sheet, for a template import; else null.",
    "ImportRowError.field": "The field at fault, when one is.",
    "ImportRowError.value": "The cell's value, when one is at fault.",
    "ImportRowError.code": "What went wrong, for programs (e.g. INVALID_EMAIL).",
    "ImportRowError.message": "What went wrong, for people.",
    "ImportDateOrder.column": "The column's header, or its letter.",
    "ImportAnalysis": "What is in a file, and the mapping proposed for it.",
    "ImportAnalysis.fileName": "The uploaded file's name.",
    "ImportAnalysis.format": "The file's format, told by its content.",
    "ImportAnalysis.sheets": "The workbook's sheets; empty for CSV.",
    "ImportAnalysis.sheet": "The sheet read; null for CSV.",
    "ImportAnalysis.headers": "The headers; empty without them.",
    "ImportAnalysis.sampleRows": "The first data rows, as text.",
    "ImportAnalysis.rowCount": "Data rows in the sheet.",
    "ImportAnalysis.suggestedMapping": "The proposed field of each column.",
    "ImportAnalysis.unmappedColumns": "Columns no field was proposed for (headers or letters).",
    "ImportAnalysis.matchedSavedMapping": "The saved mapping whose headers match the file, "
    "used for the proposal; null when none.",
    "ImportAnalyzeInput": "What a file to analyze holds.",
    "ImportAnalyzeInput.entity": "What the file holds.",
    "ImportAnalyzeInput.sheet": "The sheet to read; default: the first.",
    "ImportFileInput": "What a file holds and how to import it.",
    "ImportFileInput.entity": "What the file holds.",
    "ImportFileInput.sheet": "The sheet to read; default: the first.",
    "ImportFileInput.mode": "Which rows to write.",
    "ImportFileInput.dryRun": "Check everything and write nothing.",
    "ImportFileInput.errorPolicy": "What to do with a bad row.",
    "ImportFileInput.idempotencyKey": "Sending the same request with the same key within 24 "
    "hours returns the same job instead of importing again; the same key with a different "
    "request is refused (IDEMPOTENCY_KEY_REUSED).",
    "ImportFileInput.savedMappingId": "Use this saved mapping.",
    "ColumnMappingInput": "Which column feeds which field: give the column or its header.",
    "ColumnMappingInput.header": "The column's header (case and spaces ignored).",
    "MappedColumn": "A column and the field it feeds.",
    "MappedColumn.column": "0-based column index.",
    "MappedColumn.header": "The column's header, when the file has headers.",
    "MappedColumn.field": 'A field key, or "custom:<Label>".',
    "MappingSuggestion": "A column and the field proposed for it.",
    "MappingSuggestion.column": "0-based column index.",
    "MappingSuggestion.header": "The column's header; null without headers.",
    "MappingSuggestion.field": "The field key proposed.",
    "MappingSaveInput": "A mapping to save under a name.",
    "MappingSaveInput.name": "The name (a mapping of the same name is replaced).",
    "MappingSaveInput.entity": "What files it maps hold.",
    "MappingSaveInput.hasHeaders": "Whether the files have headers (then columns follow "
    "their headers wherever they move).",
    "MappingSaveInput.mapping": "Which column feeds which field; one column per field.",
    "SavedMapping": "A mapping saved for files that come again.",
    "SavedMapping.name": "The mapping's name.",
    "SavedMapping.entity": "What files it maps hold.",
    "SavedMapping.hasHeaders": "Whether the files have headers.",
    "SavedMapping.columns": "Which column feeds which field.",
}


def _shared_rule(type_name: str, field_name: str) -> str | None:
    """The descriptions every payload, node and filter shares."""
    if field_name == "userErrors":
        return "Why the mutation changed nothing; empty when it succeeded."
    if field_name == "id":
        return "The object's opaque global id (give it to `node(id)`)."
    if type_name.endswith("Payload"):
        return "The object as it is now; null when there are userErrors."
    return None


def _type_rule(type_name: str) -> str | None:
    if type_name.endswith("Payload"):
        return "What a mutation answers: its object, or the userErrors that stopped it."
    return None


def describe(schema: GraphQLSchema) -> list[str]:
    """Fill in the descriptions the schema's definitions leave out. Answers the
    entries here that name nothing in the schema or repeat an inline description
    (the inline one is kept); tests/test_schema_contract.py requires none.
    """
    unused = set(DESCRIPTIONS)
    problems: list[str] = []

    def written(key: str, inline: str | None) -> str | None:
        if key in DESCRIPTIONS:
            unused.discard(key)
            if inline:
                problems.append(f"{key} is described inline and in schema/descriptions.py")
                return inline
            return DESCRIPTIONS[key]
        return inline

    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        graphql_type.description = written(name, graphql_type.description) or _type_rule(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                key = f"{name}.{field_name}"
                field.description = written(key, field.description) or _registry_rule(
                    name, field_name) or _shared_rule(name, field_name)
                for arg_name, arg in field.args.items():
                    arg.description = written(f"{key}({arg_name})", arg.description) or (
                        _argument_rule(arg_name))
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                key = f"{name}.{field_name}"
                input_field.description = written(key, input_field.description) or (
                    _registry_rule(name, field_name))
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                value.description = written(f"{name}.{value_name}", value.description)
    problems += [f"{key} is described in schema/descriptions.py but not in the schema"
                 for key in sorted(unused)]
    return problems


def _registry_rule(type_name: str, field_name: str) -> str | None:
    entity = _REGISTRY_TYPES.get(type_name)
    return None if entity is None else registry_description(entity, _snake(field_name))


def _argument_rule(arg_name: str) -> str | None:
    """The paging arguments mean the same on every list."""
    if arg_name == "first":
        return "At most this many items (0 to 100; default 50)."
    if arg_name == "after":
        return "A cursor (`pageInfo.endCursor`, or an edge's): the items after it."
    return None
