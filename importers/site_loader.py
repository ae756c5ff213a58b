"""Sites from rows: each row names its billing customer, and the site joins that
customer's sites, matched to an existing site by name, else by address line 1.
"""

from typing import Any

from pymongo import ReplaceOne

from documents.base import utcnow
from documents.customer import Customer, Site
from documents.import_job import ImportMode
from documents.text import name_key
from importers.context import LoadContext
from importers.customer_loader import BatchCounts, ConcurrentChange
from importers.rows import SourceRow

_SITE_TEXT = ("contact_name", "phone", "email", "notes")


def _same_address(site: Site, line1: str | None) -> bool:
    return bool(line1) and name_key(site.address.line1 or "") == name_key(line1 or "")


def _find_site(customer: Customer, name: str, line1: str | None) -> Site | None:
    by_name = next((s for s in customer.sites if name_key(s.name) == name_key(name)), None)
    return by_name or next((s for s in customer.sites if _same_address(s, line1)), None)


def _apply(site: Site, values: dict[str, Any]) -> None:
    for key in _SITE_TEXT:
        if key in values:
            setattr(site, key, values[key])
    changes = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("address.")}
    if changes:
        site.address = site.address.model_copy(update=changes)


async def load_sites(ctx: LoadContext, rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    ready: list[SourceRow] = []
    for row in rows:
        if not row.problems and "billing_customer" not in row.values:
            row.fail("REQUIRED", "The row names no Billing Customer.", "billing_customer")
        elif not row.problems and not (row.values.get("name") or row.values.get("address.line1")):
            row.fail("REQUIRED", "The row has no Site Name or Address Line 1.", "name")
        (counts.failed if row.problems else ready).append(row)
    keys = sorted({name_key(r.values["billing_customer"]) for r in ready})
    customers = {doc.name_key: doc for doc in await Customer.find_in(
        ctx.org_id, {"name_key": {"$in": keys}})}
    versions = {key: doc.version for key, doc in customers.items()}
    touched: set[str] = set()
    for row in ready:
        billing_name = row.values["billing_customer"]
        customer = customers.get(name_key(billing_name))
        if customer is None:
            row.fail("BILLING_CUSTOMER_NOT_FOUND",
                     f"No customer named {billing_name!r}.", "billing_customer")
            counts.failed.append(row)
            continue
        # A site named only by its address (as in the seed guide's column B) is named after it.
        name = row.values.get("name") or row.values["address.line1"]
        site = _find_site(customer, name, row.values.get("address.line1"))
        exists = site is not None
        if ctx.mode is ImportMode.CREATE_ONLY and exists:
            row.fail("ALREADY_EXISTS", f"{customer.name} already has a site {name!r}.", "name")
            counts.failed.append(row)
            continue
        if ctx.mode is ImportMode.UPDATE_ONLY and not exists:
            row.fail("NOT_FOUND", f"{customer.name} has no site {name!r} to update.", "name")
            counts.failed.append(row)
            continue
        if site is None:
            site = Site(name=name)
            customer.sites.append(site)
        before = site.model_dump()
        site.name = name
        _apply(site, row.values)
        if not exists:
            counts.created += 1
        elif site.model_dump() != before:
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        site.updated_at = utcnow()
        touched.add(customer.name_key)
    if ctx.dry_run or not touched:
        return counts
    operations = []
    for key in touched:
        customer = customers[key]
        customer.prepare_for_save()
        customer.version = versions[key] + 1
        operations.append(ReplaceOne(
            Customer.scoped(ctx.org_id, {"_id": customer.id, "version": versions[key]}),
            customer.to_mongo()))
    written = await Customer.collection().bulk_write(operations, ordered=False)
    if written.matched_count < len(operations):
        raise ConcurrentChange()
    return counts
