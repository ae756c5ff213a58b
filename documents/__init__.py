"""Beanie documents: what is stored and its indexes, nothing about HTTP."""

from beanie import Document

from documents.api_key import ApiKey
from documents.customer import Customer
from documents.export_job import ExportJob
from documents.import_job import ImportJob, ImportRowError, ImportRowWarning
from documents.lookups import CustomerType, LeadSource, PaymentTerm, PriceLevel, User
from documents.name_fences import NameFences
from documents.organization import Organization
from documents.product import Product, ProductLine, Sequence
from documents.saved_mapping import SavedMapping

ALL_DOCUMENTS: list[type[Document]] = [
    Organization,
    ApiKey,
    User,
    CustomerType,
    LeadSource,
    PaymentTerm,
    PriceLevel,
    Customer,
    NameFences,
    ImportJob,
    ImportRowError,
    ImportRowWarning,
    SavedMapping,
    Product,
    ProductLine,
    Sequence,
    ExportJob,
]
