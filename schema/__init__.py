"""Strawberry types, inputs and payloads, and the assembled schema."""

import strawberry
from strawberry.tools import merge_types

from schema.admin_mutations import AdminMutations
from schema.customer_mutations import CustomerMutations
from schema.embedded_mutations import EmbeddedMutations
from schema.errors import MaskUnexpectedErrors
from schema.query import Query
from schema.types import (
    Contact,
    Customer,
    CustomerType,
    Equipment,
    LeadSource,
    PaymentTerm,
    PriceLevel,
    Site,
    User,
)

Mutation = merge_types("Mutation", (CustomerMutations, EmbeddedMutations, AdminMutations))


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Node implementations are reached only through the interface.
        types=[Customer, Site, Contact, Equipment, CustomerType, LeadSource, PaymentTerm,
               PriceLevel, User],
        extensions=[MaskUnexpectedErrors],
    )
