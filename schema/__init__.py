"""Strawberry types, inputs and payloads, and the assembled schema."""

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.admin_mutations import AdminMutations
from schema.customer_mutations import CustomerMutations
from schema.descriptions import describe
from schema.embedded_mutations import EmbeddedMutations
from schema.errors import MaskUnexpectedErrors
from schema.execution import AttributeFieldsExecutionContext
from schema.exports import ExportMutations, ExportQueries
from schema.imports import ImportJob, ImportMutations, ImportQueries, ImportSubscriptions
from schema.limits import limit_extensions
from schema.products import Product, ProductLine, ProductMutations, ProductQueries
from schema.query import Query as BaseQuery
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

Query = merge_types("Query", (BaseQuery, ImportQueries, ProductQueries, ExportQueries))
Mutation = merge_types(
    "Mutation",
    (CustomerMutations, EmbeddedMutations, AdminMutations, ImportMutations, ProductMutations,
     ExportMutations),
)


class Schema(strawberry.Schema):
    # Entries of schema/descriptions.py that name nothing or repeat an inline
    # description; a test requires none.
    description_problems: list[str]

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Nothing to log here. Client mistakes (bad syntax, unknown fields, wrong
        # variable types, refusals by the limits) and expected errors (forbidden,
        # bad cursor) are answers, not incidents, and logging them would let any
        # client flood the log; unexpected ones are logged, with the error id the
        # client sees, by MaskUnexpectedErrors.
        return


def build_schema(introspection: bool = True, attribute_shortcuts: bool = True) -> Schema:
    """The schema; `attribute_shortcuts=False` executes every field through
    graphql-core's own path (tests compare the two).
    """
    extensions: list[Callable[[], SchemaExtension]] = [*limit_extensions(), MaskUnexpectedErrors]
    if not introspection:
        extensions.append(DisableIntrospection)
    built = Schema(
        query=Query,
        mutation=Mutation,
        subscription=ImportSubscriptions,
        # Node implementations are reached only through the interface.
        types=[Customer, Site, Contact, Equipment, CustomerType, LeadSource, PaymentTerm,
               PriceLevel, User, ImportJob, Product, ProductLine],
        extensions=extensions,
        # "Did you mean ...?" would spell out the schema to anyone guessing at it.
        config=StrawberryConfig(disable_field_suggestions=True),
        execution_context_class=AttributeFieldsExecutionContext if attribute_shortcuts
        else StrawberryGraphQLCoreExecutionContext,
    )
    built.description_problems = describe(built._schema)
    return built
