"""Billing plans and revenue schedules of product lines, in exact decimals.

Accepted in a Custom Billing cell: a frequency (monthly, quarterly,
semi-annually, annually, upfront), or dated amounts `2026-01-01=100;
2026-04-01=100` or percentages `2026-01-01=25%; 2026-04-01=75%`.
Accepted in a Custom Rev Recognition cell: `point in time` (on the start
date) or `point in time 2026-03-15`, or dated amounts or percentages as above.
Dates are ISO (YYYY-MM-DD); entries are separated by `;` or new lines. Dated
amounts must add up to the line's amount, percentages to 100%.

Every date is between EARLIEST and LATEST and a term at most MAX_TERM_MONTHS,
so a schedule has at most that many entries and no date computed from them
leaves the calendar: whatever a row holds, the answer is a ScheduleError.
"""

import calendar
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext

from documents.product import Amount, BillingPlan, RevenueMethod
from importers.money import EXACT, MONEY_MAX, bounds_problem
from importers.rows import parse_number

# The dates a product line may hold (its own, and those of its custom cells).
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
# A hundred years: longer is a typo, and would cost a schedule entry per month.
MAX_TERM_MONTHS = 1200

_FREQUENCIES = {  # months between installments
    "monthly": ("MONTHLY", 1), "quarterly": ("QUARTERLY", 3),
    "semiannually": ("SEMIANNUALLY", 6), "semi-annually": ("SEMIANNUALLY", 6),
    "half-yearly": ("SEMIANNUALLY", 6), "annually": ("ANNUALLY", 12), "annual": ("ANNUALLY", 12),
    "yearly": ("ANNUALLY", 12), "upfront": ("UPFRONT", 0), "once": ("UPFRONT", 0),
}
_POINT_IN_TIME = re.compile(r"point[\s-]+in[\s-]+time(?:\s*[:=]?\s*(?P<on>\S+))?", re.IGNORECASE)
_ENTRY = re.compile(r"(?P<on>[^=]+)=(?P<value>[^=]+)")


class ScheduleError(ValueError):
    """A custom billing or revenue cell that cannot be read; the message says why."""


def date_problem(day: date, label: str) -> str | None:
    """Why `day` is outside the dates a line may hold; None when it is inside."""
    if EARLIEST <= day <= LATEST:
        return None
    return f"{label} {day.isoformat()} is not between {EARLIEST} and {LATEST}."


def term_problem(months: int) -> str | None:
    """Why `months` is no term; None when it is one."""
    if months < 1:
        return f"Term Months must be at least 1, not {months}."
    if months > MAX_TERM_MONTHS:
        return f"A term of {months:,} months is more than {MAX_TERM_MONTHS:,} (100 years)."
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (Jan 31 + 1 = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not date.min.year <= year <= date.max.year:
        raise ScheduleError(f"{day.isoformat()} plus {months} months is past the calendar.")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_of(day: date) -> date:
    return day.replace(day=1)


def months_between(start: date, end: date) -> int:
    """Whole months of a term from `start` to `end` inclusive: Jan 1 to Dec 31 is 12
    (at least 1). Counted from the calendar months, in constant time.
    """
    # The term ending in the month after `end`'s is too long, or ends exactly on `end`.
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while months > 1 and term_end(start, months) > end:
        months -= 1
    return max(months, 1)


def term_end(start: date, months: int) -> date:
    last = add_months(start, months)
    if last == date.min:
        raise ScheduleError(f"{start.isoformat()} plus {months} months is past the calendar.")
    return last - timedelta(days=1)


def _unit(amount: Decimal) -> Decimal:
    """Cents, or the amount's own finer precision."""
    exponent = amount.as_tuple().exponent
    return Decimal(1).scaleb(min(-2, exponent if isinstance(exponent, int) else -2))


def split_evenly(amount: Decimal, parts: int) -> list[Decimal]:
    """`parts` amounts that differ by at most a cent and add up to `amount` exactly."""
    unit = _unit(amount)
    # In whole units (cents, or finer), so no context rounds anything.
    base, extra = divmod(int(EXACT.divide(amount, unit)), parts)
    return [EXACT.multiply(unit, Decimal(base + 1 if i < extra else base))
            for i in range(parts)]


def _share(amount: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """`amount` in these percentages; the last takes the rounding, so the sum is exact."""
    unit = _unit(amount)
    shares = [(amount * p / 100).quantize(unit, rounding=ROUND_DOWN) for p in percents[:-1]]
    return [*shares, amount - sum(shares, Decimal(0))]


def _iso(text: str, what: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"{text.strip()!r} in {what} is not a date as YYYY-MM-DD.") from None
    if problem := date_problem(day, f"The date in {what}"):
        raise ScheduleError(problem)
    return day


def _number(text: str, what: str) -> Decimal:
    try:
        value = parse_number(text)
    except ValueError:
        raise ScheduleError(f"{text.strip()!r} in {what} is not an amount.") from None
    if problem := bounds_problem(value, f"{text.strip()!r} in {what}", MONEY_MAX):
        raise ScheduleError(problem)
    return value


def _dated(text: str, amount: Decimal, what: str) -> list[Amount] | None:
    """Dated amounts or percentages adding up to `amount`; None if `text` is not a list."""
    entries = [e for e in re.split(r"[;\n]", text) if e.strip()]
    matches = [_ENTRY.fullmatch(e.strip()) for e in entries]
    if not entries or not all(matches):
        return None
    dates = [_iso(m["on"], what) for m in matches if m]
    values = [m["value"].strip() for m in matches if m]
    percent = [v.endswith("%") for v in values]
    if any(percent) and not all(percent):
        raise ScheduleError(f"{what} mixes amounts and percentages; use one or the other.")
    if all(percent):
        percents = [_number(v[:-1], what) for v in values]
        if sum(percents) != 100:
            raise ScheduleError(f"The percentages in {what} add up to {sum(percents)}%, "
                                "not 100%.")
        amounts = _share(amount, percents)
    else:
        amounts = [_number(v, what) for v in values]
        if sum(amounts) != amount:
            raise ScheduleError(f"The amounts in {what} add up to {sum(amounts)}, not the "
                                f"line's amount {amount}.")
    return [Amount(on=d, amount=a) for d, a in zip(dates, amounts, strict=True)]


def billing_plan(text: str, amount: Decimal, billing_date: date,
                 term_months: int | None) -> BillingPlan:
    """The line's billing plan from its Custom Billing cell; ScheduleError saying why not."""
    _check_term(term_months)
    with localcontext(EXACT):  # sums of bounded amounts stay exact
        return _billing_plan(text, amount, billing_date, term_months)


def _check_term(term_months: int | None) -> None:
    if term_months is not None and (problem := term_problem(term_months)):
        raise ScheduleError(problem)


def _billing_plan(text: str, amount: Decimal, billing_date: date,
                  term_months: int | None) -> BillingPlan:
    frequency = _FREQUENCIES.get(text.strip().casefold().replace(" ", "-"))
    if frequency is not None:
        name, step = frequency
        if step == 0:
            return BillingPlan(frequency=name, source=text,
                               installments=[Amount(on=billing_date, amount=amount)])
        if not term_months:
            raise ScheduleError(f"Billing {text.strip()} needs a term: give Term Months or an "
                                "End Date, or use a recurring product.")
        count = -(-term_months // step)
        dates = [add_months(billing_date, i * step) for i in range(count)]
        return BillingPlan(frequency=name, source=text, installments=[
            Amount(on=d, amount=a) for d, a in zip(dates, split_evenly(amount, count),
                                                   strict=True)])
    installments = _dated(text, amount, "Custom Billing")
    if installments is None:
        raise ScheduleError(
            f"Custom Billing {text.strip()!r} is not a frequency (monthly, quarterly, "
            "semi-annually, annually, upfront) or dated amounts like "
            "'2026-01-01=100; 2026-04-01=100'.")
    return BillingPlan(source=text, installments=installments)


def revenue_schedule(amount: Decimal, start: date, term_months: int | None,
                     custom: str | None) -> tuple[list[Amount], RevenueMethod | None]:
    """Revenue per month: by the custom method when given, else evenly over the
    term (a line without a term is recognized in its start month).
    """
    _check_term(term_months)
    with localcontext(EXACT):  # sums of bounded amounts stay exact
        return _revenue_schedule(amount, start, term_months, custom)


def _revenue_schedule(amount: Decimal, start: date, term_months: int | None,
                      custom: str | None) -> tuple[list[Amount], RevenueMethod | None]:
    if custom is None:
        months = term_months or 1
        return _by_month([Amount(on=add_months(start, i), amount=a)
                          for i, a in enumerate(split_evenly(amount, months))]), None
    point = _POINT_IN_TIME.fullmatch(custom.strip())
    if point is not None:
        on = _iso(point["on"], "Custom Rev Recognition") if point["on"] else start
        return _by_month([Amount(on=on, amount=amount)]), RevenueMethod(
            method="POINT_IN_TIME", source=custom)
    dated = _dated(custom, amount, "Custom Rev Recognition")
    if dated is None:
        raise ScheduleError(
            f"Custom Rev Recognition {custom.strip()!r} is not 'point in time [YYYY-MM-DD]' "
            "or dated amounts or percentages like '2026-01-01=25%; 2026-04-01=75%'.")
    method = "PERCENTAGES" if custom.strip().endswith("%") else "AMOUNTS"
    return _by_month(dated), RevenueMethod(method=method, source=custom)


def _by_month(amounts: list[Amount]) -> list[Amount]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for entry in amounts:
        totals[month_of(entry.on)] += entry.amount
    return [Amount(on=month, amount=total) for month, total in sorted(totals.items())]
