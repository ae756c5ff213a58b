"""Recomputing stored name keys after `documents.text.name_key` changes.

Keys are derived from what is stored (a customer's name, a product's import
id...) and unique per organization. When the key function changes (it now
folds NFKC look-alikes and drops format characters), a stored key may differ
from the one a new read computes, and the document would not be found by its
name. `sitebook rekey` walks every keyed collection of an organization and
sets the key each document should have. Two documents whose names now share a
key (say "Café" and "Cafe\u0301", stored before) cannot both hold it: the
newer keeps its old key and is reported, for a person to rename or merge.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from documents.base import TenantDocument
from documents.customer import Customer
from documents.lookups import CustomerType, LeadSource, PaymentTerm, PriceLevel, User
from documents.product import Product, ProductLine
from documents.saved_mapping import SavedMapping
from documents.text import name_key

# (document, the stored text, its key field)
KEYED: list[tuple[type[TenantDocument], str, str]] = [
    (Customer, "name", "name_key"),
    (Customer, "account_number", "account_key"),
    (CustomerType, "name", "name_key"),
    (LeadSource, "name", "name_key"),
    (PaymentTerm, "name", "name_key"),
    (PriceLevel, "name", "name_key"),
    (User, "name", "name_key"),
    (Product, "import_id", "import_key"),
    (ProductLine, "line_id", "line_key"),
    (SavedMapping, "name", "name_key"),
]


@dataclass
class RekeyReport:
    changed: int = 0
    # (collection, stored text) of documents whose new key another document holds.
    conflicts: list[tuple[str, str]] = field(default_factory=list)


async def rekey(org_id: ObjectId, progress: Callable[[str], None] = lambda _: None
                ) -> RekeyReport:
    """Set every stored key of the organization to what `name_key` gives now."""
    report = RekeyReport()
    for document, source, key in KEYED:
        collection = document.collection()
        progress(f"{collection.name}.{key}")
        # Oldest first: of two documents that now share a key, the older keeps it.
        cursor = collection.find(document.scoped(org_id), {source: 1, key: 1}, sort=[("_id", 1)])
        async for raw in cursor:
            text = raw.get(source)
            wanted = name_key(text) if isinstance(text, str) and text else None
            if raw.get(key) == wanted or wanted is None:
                continue
            try:
                await collection.update_one(document.scoped(org_id, {"_id": raw["_id"]}),
                                            {"$set": {key: wanted}})
            except DuplicateKeyError:
                report.conflicts.append((collection.name, str(text)))
            else:
                report.changed += 1
    return report
