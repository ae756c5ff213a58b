"""Per-request DataLoaders: every field that loads another document batches
its ids into one `$in` query, so a page costs the same few commands whatever
its size.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bson import ObjectId
from strawberry.dataloader import DataLoader

from documents.base import TenantDocument
from documents.customer import Customer
from documents.lookups import CustomerType, LeadSource, PaymentTerm, PriceLevel, User
from documents.product import Product, ProductLine
from resolvers.actor import Actor
from resolvers.lookup_cache import LOOKUPS

D = TypeVar("D", bound=TenantDocument)


class ByIdLoader(DataLoader[ObjectId, D | None], Generic[D]):
    document: type[D]

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        super().__init__(load_fn=self._load)

    async def _load(self, ids: Sequence[ObjectId]) -> list[D | None]:
        found = await self.document.find_any(self.actor.org_id, "_id", ids)
        by_id: dict[ObjectId | None, D] = {doc.id: doc for doc in found}
        return [by_id.get(doc_id) for doc_id in ids]


class CustomerByIdLoader(DataLoader[ObjectId, dict[str, Any] | None]):
    """Customers as stored: the schema builds its objects straight from them."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        super().__init__(load_fn=self._load)

    async def _load(self, ids: Sequence[ObjectId]) -> list[dict[str, Any] | None]:
        found = await Customer.find_any_raw(self.actor.org_id, "_id", ids)
        by_id = {raw["_id"]: raw for raw in found}
        return [by_id.get(doc_id) for doc_id in ids]


class KeptByIdLoader(ByIdLoader[D]):
    """Lookups: those read in the last few seconds are not read again
    (resolvers/lookup_cache.py).
    """

    async def _load(self, ids: Sequence[ObjectId]) -> list[D | None]:
        org_id, kind = self.actor.org_id, self.document.__name__
        kept = {doc_id: LOOKUPS.get(org_id, kind, doc_id) for doc_id in ids}
        missing = [doc_id for doc_id, found in kept.items() if found is None]
        if missing:
            for found, doc_id in zip(await super()._load(missing), missing, strict=True):
                if found is not None:
                    LOOKUPS.keep(org_id, kind, doc_id, found)
                    kept[doc_id] = found
        return [kept[doc_id] for doc_id in ids]


class CustomerTypeByIdLoader(KeptByIdLoader[CustomerType]):
    document = CustomerType


class LeadSourceByIdLoader(KeptByIdLoader[LeadSource]):
    document = LeadSource


class PaymentTermByIdLoader(KeptByIdLoader[PaymentTerm]):
    document = PaymentTerm


class PriceLevelByIdLoader(KeptByIdLoader[PriceLevel]):
    document = PriceLevel


class UserByIdLoader(KeptByIdLoader[User]):
    document = User


class ProductByIdLoader(ByIdLoader[Product]):
    document = Product


class ProductLineByIdLoader(ByIdLoader[ProductLine]):
    document = ProductLine


@dataclass
class Loaders:
    actor: Actor
    customer_by_id: CustomerByIdLoader = field(init=False)
    customer_type_by_id: CustomerTypeByIdLoader = field(init=False)
    lead_source_by_id: LeadSourceByIdLoader = field(init=False)
    payment_term_by_id: PaymentTermByIdLoader = field(init=False)
    price_level_by_id: PriceLevelByIdLoader = field(init=False)
    user_by_id: UserByIdLoader = field(init=False)
    product_by_id: ProductByIdLoader = field(init=False)
    product_line_by_id: ProductLineByIdLoader = field(init=False)

    def __post_init__(self) -> None:
        self.customer_by_id = CustomerByIdLoader(self.actor)
        self.customer_type_by_id = CustomerTypeByIdLoader(self.actor)
        self.lead_source_by_id = LeadSourceByIdLoader(self.actor)
        self.payment_term_by_id = PaymentTermByIdLoader(self.actor)
        self.price_level_by_id = PriceLevelByIdLoader(self.actor)
        self.user_by_id = UserByIdLoader(self.actor)
        self.product_by_id = ProductByIdLoader(self.actor)
        self.product_line_by_id = ProductLineByIdLoader(self.actor)
