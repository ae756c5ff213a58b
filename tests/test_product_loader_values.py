"""The product loaders given row values directly, against the real embedded
database: extreme values fail their row with a code, in bounded memory, and
generated values (hypothesis) never make a loader raise.
"""

import itertools
import tracemalloc
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from app.auth import create_org
from documents.product import Product, ProductLine
from importers.batch import BatchCounts
from importers.context import LoadContext
from importers.product_loader import load_product_lines, load_products
from importers.rows import SourceRow
from importers.schedules import months_between, term_end

_ORGS = itertools.count()


async def new_context() -> LoadContext:
    org = await create_org(f"loader-{next(_ORGS)}")
    assert org.id is not None
    return LoadContext(org_id=org.id, region="AU", import_date=date(2026, 1, 15))


def source_rows(values: list[dict[str, Any]]) -> list[SourceRow]:
    return [SourceRow(number=n, cells=[], values=dict(v)) for n, v in enumerate(values, 2)]


async def load(ctx: LoadContext, loader: Any, values: list[dict[str, Any]]
               ) -> tuple[BatchCounts, list[SourceRow]]:
    rows = source_rows(values)
    counts: BatchCounts = await loader(ctx, rows)
    await counts.write(ctx)
    return counts, rows


async def with_catalog(ctx: LoadContext) -> None:
    counts, _ = await load(ctx, load_products, [
        {"import_id": "SUB", "name": "Cloud Suite", "recurring": True,
         "unit_price": Decimal("100.00"), "term_months": 12},
        {"import_id": "HW", "name": "Router", "unit_price": Decimal("250.50")}])
    assert counts.created == 2, [r.problems for r in counts.failed]


def line(line_id: str, **values: Any) -> dict[str, Any]:
    return {"line_id": line_id, "customer": "Acme Pty", "product": "SUB",
            "quantity": Decimal(1), "start_date": date(2026, 1, 1), **values}


def codes(rows: list[SourceRow]) -> dict[int, list[tuple[str, str | None]]]:
    return {r.number: [(p.code, p.field) for p in r.problems] for r in rows if r.problems}


async def test_out_of_range_terms_dates_and_quantities_fail_their_rows(app: Starlette) -> None:
    ctx = await new_context()
    await with_catalog(ctx)
    counts, rows = await load(ctx, load_product_lines, [
        line("T1", term_months=100_000),
        line("T2", end_date=date(9999, 12, 31)),
        line("T3", end_date=date(2150, 1, 1)),  # 1,488 months after the start
        line("T4", quantity=Decimal("1e999999")),
        line("T5", quantity=Decimal("-1e999999")),
        line("T6", start_date=date(9999, 12, 31)),
        line("T7", term_months=0),
        line("T8", custom_billing="monthly", custom_revenue="point in time 9999-12-31"),
        line("T9", quantity=Decimal("1e-30")),
        line("OK", term_months=1200, custom_billing="monthly"),
    ])
    assert codes(rows) == {
        2: [("INVALID_TERM", "term_months")],
        3: [("INVALID_DATE", "end_date")],
        4: [("INVALID_TERM", "end_date")],
        5: [("INVALID_QUANTITY", "quantity")],
        6: [("INVALID_QUANTITY", "quantity")],
        7: [("INVALID_DATE", "start_date")],
        8: [("INVALID_TERM", "term_months")],
        9: [("INVALID_REVENUE_RECOGNITION", "custom_revenue")],
        10: [("INVALID_QUANTITY", "quantity")],
    }
    messages = {r.number: r.problems[0].message for r in rows if r.problems}
    assert "100,000 months" in messages[2]
    assert "1,200" in messages[2]
    assert "9999-12-31" in messages[3]
    assert "2199-12-31" in messages[3]
    assert "1,488 months" in messages[4]
    assert counts.created == 1
    (stored,) = await ProductLine.find_in(ctx.org_id)
    assert (stored.line_id, stored.term_months, stored.end_date) == (
        "OK", 1200, date(2125, 12, 31))
    assert stored.custom_billing is not None
    assert len(stored.custom_billing.installments) == len(stored.revenue_schedule) == 1200
    assert sum(i.amount for i in stored.custom_billing.installments) == Decimal("100.00")


async def test_a_huge_term_costs_no_memory(app: Starlette) -> None:
    """Term Months 95000 built a schedule of 95,000 months (about 105 MB a row)."""
    ctx = await new_context()
    await with_catalog(ctx)
    tracemalloc.start()
    try:
        _, rows = await load(ctx, load_product_lines, [
            line("H1", term_months=95_000, custom_billing="monthly"),
            line("H2", end_date=date(2199, 12, 31), custom_billing="monthly")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert codes(rows) == {2: [("INVALID_TERM", "term_months")],
                           3: [("INVALID_TERM", "end_date")]}
    assert peak < 5_000_000, peak


async def test_products_with_out_of_range_values_fail_their_rows(app: Starlette) -> None:
    ctx = await new_context()
    counts, rows = await load(ctx, load_products, [
        {"import_id": "A", "name": "A", "term_months": 100_000},
        {"import_id": "B", "name": "B", "term_months": 10**30},
        {"import_id": "C", "name": "C", "unit_price": Decimal("1e999999")},
        {"import_id": "D", "name": "D", "unit_price": Decimal("NaN")},
        {"import_id": "E", "name": "   "},
        {"import_id": "  ", "name": "F"},
        {"import_id": "G", "name": "G", "unit_price": Decimal("0.5"), "term_months": 1200},
    ])
    assert codes(rows) == {2: [("INVALID_TERM", "term_months")],
                           3: [("INVALID_TERM", "term_months")],
                           4: [("INVALID_NUMBER", "unit_price")],
                           5: [("INVALID_NUMBER", "unit_price")],
                           6: [("REQUIRED", "name")],
                           7: [("REQUIRED", "import_id")]}
    assert counts.created == 1
    assert [p.import_id for p in await Product.find_in(ctx.org_id)] == ["G"]


async def test_a_stored_product_term_past_the_limit_fails_the_line(app: Starlette) -> None:
    """A product stored before terms were bounded cannot make a line's schedule unbounded."""
    ctx = await new_context()
    await with_catalog(ctx)
    await Product.collection().update_one(Product.scoped(ctx.org_id, {"import_key": "sub"}),
                                          {"$set": {"term_months": 95_000}})
    _, rows = await load(ctx, load_product_lines, [line("P1")])
    assert codes(rows) == {2: [("INVALID_TERM", "term_months")]}
    assert "'SUB'" in rows[0].problems[0].message


# Generated row values: the Python types rows.py hands the loaders, with extremes.
EXTREME_DECIMALS = [Decimal(v) for v in (
    "0", "-0", "1", "-1", "0.01", "1e999999", "-1e999999", "1e-999999", "1e12", "1e9",
    "1000000000000.01", "999999999.999999", "1e-20", "1e-21", "29.609999999999997",
    "12345678901234567890.123456789012345678901234567890", "NaN", "Infinity", "-Infinity")]
DECIMALS = st.one_of(st.sampled_from(EXTREME_DECIMALS),
                     st.decimals(allow_nan=True, allow_infinity=True),
                     st.decimals(min_value=0, max_value=10**6, places=2))
DATES = st.one_of(st.sampled_from([date(1900, 1, 1), date(2199, 12, 31), date(1899, 12, 31),
                                   date(2200, 1, 1), date(9999, 12, 31), date(1, 1, 1),
                                   date(2026, 1, 31)]), st.dates())
INTEGERS = st.one_of(st.sampled_from([0, 1, -1, 12, 1200, 1201, 95_000, 100_000, 10**30,
                                      -(10**30)]), st.integers())
TEXT = st.one_of(st.sampled_from(["", " ", "\u00a0", "SUB", "sub ", "HW", "Ünïcödé Ltd", "🙂",
                                  "x" * 300]), st.text(max_size=40))
SCHEDULE = st.one_of(TEXT, st.sampled_from([
    "monthly", "quarterly", "upfront", "point in time", "point in time 9999-12-31",
    "point in time 0001-01-01", "2026-01-01=1e999999", "2026-01-01=50%; 9999-12-31=50%",
    "2026-01-01=100", "2026-01-01=0.000000000000000000001; 2026-02-01=100",
    "2026-01-01=1e-999999%; 2026-02-01=100%", "2026-01-01=NaN", "2026-01-01=-5"]))
def mostly(plausible: st.SearchStrategy[Any], extreme: st.SearchStrategy[Any]
           ) -> st.SearchStrategy[Any]:
    """Plausible values seven times in eight, so rows land as well as fail."""
    return st.sampled_from(range(8)).flatmap(lambda n: extreme if n == 0 else plausible)


MONEY = mostly(st.decimals(min_value=0, max_value=10_000, places=2), DECIMALS)
PLAUSIBLE_DATES = mostly(st.dates(date(2020, 1, 1), date(2030, 12, 31)), DATES)
PRODUCT_VALUES = st.fixed_dictionaries({
    "import_id": mostly(st.sampled_from(["SUB", "HW", "NEW-1", "new-1 "]), TEXT),
}, optional={
    "name": mostly(st.sampled_from(["Cloud Suite", "Router", "Ünïcödé"]), TEXT),
    "recurring": st.booleans(), "unit_price": MONEY,
    "currency": mostly(st.sampled_from(["AUD", "usd"]), TEXT),
    "term_months": mostly(st.integers(1, 60), INTEGERS), "active": st.booleans()})
LINE_VALUES = st.fixed_dictionaries({
    "line_id": mostly(st.text("AB12", min_size=1, max_size=3), TEXT),
    "customer": mostly(st.sampled_from(["Acme Pty", "Ünïcödé Ltd", "bay  cafe"]), TEXT),
    "product": mostly(st.sampled_from(["SUB", "HW", "sub ", "NEW-1"]), TEXT),
    "quantity": mostly(st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
                       DECIMALS),
}, optional={
    "opportunity": TEXT, "renewal": st.booleans(), "unit_price": MONEY, "amount": MONEY,
    "billing_date": PLAUSIBLE_DATES, "booking_date": PLAUSIBLE_DATES,
    "start_date": PLAUSIBLE_DATES,
    "end_date": mostly(st.dates(date(2031, 1, 1), date(2040, 12, 31)), DATES),
    "term_months": mostly(st.integers(1, 60), INTEGERS),
    "custom_billing": mostly(st.sampled_from(["monthly", "quarterly", "annually", "upfront"]),
                             SCHEDULE),
    "custom_revenue": mostly(st.sampled_from(["point in time", "2026-01-01=100%"]), SCHEDULE)})

def accounted(counts: BatchCounts, rows: list[SourceRow], given: list[dict[str, Any]]
              ) -> None:
    """Every row failed with coded problems, or was counted as landed; the
    loader left the row's values as they were.
    """
    assert [r.values for r in rows] == given
    assert all(r.problems and all(p.code and p.message for p in r.problems)
               for r in counts.failed)
    landed = counts.created + counts.updated + counts.unchanged
    assert landed + len(counts.failed) == len(rows)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(products=st.lists(PRODUCT_VALUES, max_size=4), lines=st.lists(LINE_VALUES, max_size=6))
async def test_generated_values_never_make_a_loader_raise(
    app: Starlette, products: list[dict[str, Any]], lines: list[dict[str, Any]]
) -> None:
    ctx = await new_context()
    await with_catalog(ctx)
    counts, rows = await load(ctx, load_products, products)
    accounted(counts, rows, products)
    counts, rows = await load(ctx, load_product_lines, lines)
    accounted(counts, rows, lines)
    # What landed reads back as valid documents.
    stored = await ProductLine.find_in(ctx.org_id)
    assert len(stored) <= counts.created + counts.updated + counts.unchanged
    for found in stored:
        assert sum(m.amount for m in found.revenue_schedule) == found.amount
        assert found.term_months is None or 1 <= found.term_months <= 1200




async def test_every_product_row_is_counted_once(app: Starlette) -> None:
    """Two rows of one product in a batch: both counted, the later applied after."""
    ctx = await new_context()
    counts, _ = await load(ctx, load_products, [
        {"import_id": "DUP", "name": "First"}, {"import_id": "dup ", "name": "Second"},
        {"import_id": "DUP", "name": "Second"}])
    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 1)
    assert [p.name for p in await Product.find_in(ctx.org_id)] == ["Second"]
    counts, _ = await load(ctx, load_products, [{"import_id": "DUP"}, {"import_id": "DUP"}])
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 2)


def months_by_counting(start: date, end: date) -> int:
    """The definition months_between keeps, one month at a time."""
    months = 0
    while term_end(start, months + 1) <= end:
        months += 1
    return max(months, 1)


@settings(max_examples=200, deadline=None, database=None)
@example(start=date(2026, 1, 1), end=date(2026, 12, 31))  # 12
@example(start=date(2026, 1, 31), end=date(2026, 2, 27))  # Feb 28 would be a month
@example(start=date(2024, 2, 29), end=date(2025, 2, 27))
@given(start=st.dates(date(1990, 1, 1), date(2060, 12, 31)),
       end=st.dates(date(1990, 1, 1), date(2060, 12, 31)))
def test_months_between_counts_as_the_calendar_does(start: date, end: date) -> None:
    assert months_between(start, end) == months_by_counting(start, end)
    if (start, end) == (date(2026, 1, 1), date(2026, 12, 31)):
        assert months_between(start, end) == 12
