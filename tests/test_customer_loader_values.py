"""The customer, site, contact and equipment loaders given generated row values
(hypothesis) against the real embedded database: a row fails with coded
problems or lands, never both, every row is counted once, the loaders leave the
rows' values as given, and nothing a row holds makes a loader raise.
"""

from datetime import date
from functools import partial
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from documents.contact_values import PhoneReading
from documents.customer import Customer
from importers.customer_loader import load_customers
from importers.embedded_loader import CONTACTS, EQUIPMENT, SITES, load_embedded
from tests.test_product_loader_values import accounted, load, new_context

NAMES = st.sampled_from(["Acme", "acme ", "Beta Pty", "\uff26ull", "Caf\u00e9", "x" * 40, ""])
TEXT = st.one_of(st.none(), st.text(max_size=30), NAMES)
PHONES = st.builds(PhoneReading, st.sampled_from(["+61412345678", "12345", "call me", ""]),
                   st.booleans())


def present(strategy: Any) -> Any:
    """Values as rows hold them: a field left out when empty."""
    return strategy.map(lambda v: {k: x for k, x in v.items() if x not in (None, "")})


CUSTOMER_VALUES = present(st.fixed_dictionaries({}, optional={
    "name": NAMES, "company_name": TEXT, "first_name": TEXT, "email": TEXT,
    "phone": PHONES, "account_number": st.sampled_from(["A-1", "a-1", "B-2", ""]),
    "billing_customer": NAMES, "care_of_name": TEXT,
    "billing_account_number": TEXT, "customer_type": NAMES,
    "site_address.suburb": TEXT, "billing_same_as_site": st.booleans()}))
SITE_VALUES = present(st.fixed_dictionaries({}, optional={
    "billing_customer": NAMES, "customer_account_number": st.sampled_from(["A-1", "Z"]),
    "name": TEXT, "address.line1": TEXT, "address.suburb": TEXT, "address.postcode": TEXT,
    "phone": PHONES}))
CONTACT_VALUES = present(st.fixed_dictionaries({}, optional={
    "customer": NAMES, "first_name": TEXT, "last_name": TEXT, "email": TEXT,
    "is_primary": st.booleans(), "mobile": PHONES}))
EQUIPMENT_VALUES = present(st.fixed_dictionaries({}, optional={
    "customer": NAMES, "name": TEXT, "site": TEXT, "serial_number": TEXT,
    "install_date": st.dates(date(1900, 1, 1), date(2199, 12, 31))}))


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(customers=st.lists(CUSTOMER_VALUES, max_size=6), sites=st.lists(SITE_VALUES, max_size=5),
       contacts=st.lists(CONTACT_VALUES, max_size=4),
       equipment=st.lists(EQUIPMENT_VALUES, max_size=4))
async def test_generated_values_never_make_a_loader_raise(
    app: Starlette, customers: list[dict[str, Any]], sites: list[dict[str, Any]],
    contacts: list[dict[str, Any]], equipment: list[dict[str, Any]],
) -> None:
    ctx = await new_context()
    counts, rows = await load(ctx, load_customers, customers)
    accounted(counts, rows, customers)
    for kind, values in ((SITES, sites), (CONTACTS, contacts), (EQUIPMENT, equipment)):
        counts, rows = await load(ctx, partial(load_embedded, kind), values)
        accounted(counts, rows, values)
    # What landed reads back, with no two customers of one account number.
    stored = await Customer.find_in(ctx.org_id)
    accounts = [c.account_key for c in stored if c.account_key]
    assert len(accounts) == len(set(accounts))
