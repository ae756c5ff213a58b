"""What a job's loaders share: the org, the options, and lookups read once per job."""

from dataclasses import dataclass, field
from datetime import date

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from documents.base import utcnow
from documents.import_job import ImportMode
from documents.lookups import CustomerType, LeadSource, Lookup, PaymentTerm, PriceLevel, User
from documents.text import name_key

# Reference field -> (lookup list, created when missing?, error code when unknown)
LOOKUP_FIELDS: dict[str, tuple[type[Lookup], bool, str]] = {
    "customer_type": (CustomerType, True, "UNKNOWN_CUSTOMER_TYPE"),
    "lead_source": (LeadSource, True, "UNKNOWN_LEAD_SOURCE"),
    "payment_term": (PaymentTerm, False, "UNKNOWN_PAYMENT_TERM"),
    "price_level": (PriceLevel, False, "UNKNOWN_PRICE_LEVEL"),
    "assigned_user": (User, False, "UNKNOWN_USER"),
}


@dataclass
class LoadContext:
    org_id: PydanticObjectId
    region: str
    mode: ImportMode = ImportMode.UPSERT
    dry_run: bool = False
    # The transaction date: what a product line's billing date defaults to.
    import_date: date = field(default_factory=lambda: utcnow().date())
    # Customer name keys named anywhere in the file (for links to later rows).
    names_in_file: set[str] = field(default_factory=set)
    # The batch's transaction: its writes land together with its checkpoint, or not at all.
    session: AsyncClientSession | None = None
    _lookups: dict[str, dict[str, PydanticObjectId]] = field(default_factory=dict)

    async def lookup(self, kind: str, name: str) -> PydanticObjectId | None:
        """The id of `name` in the lookup list `kind`; created when the list allows it."""
        document, creatable, _ = LOOKUP_FIELDS[kind]
        if kind not in self._lookups:
            found = await document.find_in(self.org_id)
            self._lookups[kind] = {doc.name_key: doc.id for doc in found if doc.id}
        key = name_key(name)
        known = self._lookups[kind].get(key)
        if known is not None or not creatable:
            return known
        entry = document(id=PydanticObjectId(), org_id=self.org_id, name=" ".join(name.split()),
                         name_key=key)
        if not self.dry_run:
            try:
                await document.collection().insert_one(entry.to_mongo())
            except DuplicateKeyError:  # added meanwhile by someone else
                raw = await document.collection().find_one(
                    document.scoped(self.org_id, {"name_key": key}))
                entry.id = raw["_id"] if raw else entry.id
        assert entry.id is not None
        self._lookups[kind][key] = entry.id
        return entry.id
