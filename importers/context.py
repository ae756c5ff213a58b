"""What a job's loaders share: the org, the options, and lookups read once per job."""

from dataclasses import dataclass, field
from datetime import date

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from documents.base import utcnow
from documents.import_job import ImportMode, MatchBy
from documents.lookups import CustomerType, LeadSource, Lookup, PaymentTerm, PriceLevel, User
from documents.text import clean_text, name_key

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
    match_by: MatchBy = MatchBy.NAME
    dry_run: bool = False
    # The transaction date: what a product line's billing date defaults to.
    import_date: date = field(default_factory=lambda: utcnow().date())
    # From the first pass over the file: each customer name key's first row
    # there, as (seq, row number), for references to a row that failed.
    customer_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Each row key's (see row_keys) first row number, for duplicates in the file.
    first_rows: dict[str, int] = field(default_factory=dict)
    # Customer name keys this run created: a dry run writes nothing to look them up in.
    landed: set[str] = field(default_factory=set)
    # The batch's transaction: its writes land together with its checkpoint, or not at all.
    session: AsyncClientSession | None = None
    _lookups: dict[str, dict[str, PydanticObjectId]] = field(default_factory=dict)

    lookup_epoch: int = 0
    # New lookup entries, written by the batch of the first row that lands with one.
    _pending: dict[tuple[str, str], Lookup] = field(default_factory=dict)
    _claimed: set[tuple[str, str]] = field(default_factory=set)

    async def lookup(self, kind: str, name: str) -> PydanticObjectId | None:
        """The id of `name` in the lookup list `kind`; a new entry when the list
        allows it, stored with the batch of a row that uses it (see `new_entries`).
        """
        document, creatable, _ = LOOKUP_FIELDS[kind]
        if kind not in self._lookups:
            found = await document.find_in(self.org_id)
            self._lookups[kind] = {doc.name_key: doc.id for doc in found if doc.id}
        key = name_key(name)
        known = self._lookups[kind].get(key)
        if known is not None or not creatable:
            return known
        entry = document(id=PydanticObjectId(), org_id=self.org_id,
                         name=" ".join(clean_text(name).split()), name_key=key)
        assert entry.id is not None
        self._lookups[kind][key] = entry.id
        self._pending[(kind, key)] = entry
        return entry.id

    def settle(self, ids: set[PydanticObjectId], landed: bool) -> None:
        """A row that used the lookup `ids` landed (its new entries are kept) or
        failed (a new entry no landed row uses is dropped: it is spelled by the
        first row that lands with it).
        """
        for key, entry in list(self._pending.items()):
            if entry.id in ids and landed:
                self._claimed.add(key)
            elif entry.id in ids and key not in self._claimed:
                del self._pending[key]
                self._lookups[key[0]].pop(key[1], None)

    def new_entries(self, ids: set[PydanticObjectId]) -> list[Lookup]:
        """The entries among `ids` not stored yet; they are the caller's to write."""
        taken = [k for k, entry in self._pending.items() if entry.id in ids]
        self._claimed.difference_update(taken)
        return [self._pending.pop(k) for k in taken]

    def forget_lookups(self) -> None:
        """After a batch's transaction failed: what it would have added is not there
        (a batch prepared before, with other epoch, is prepared again).
        """
        self._lookups.clear()
        self._pending.clear()
        self._claimed.clear()
        self.lookup_epoch += 1

