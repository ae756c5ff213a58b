"""A product line's price, in exact decimals: its own Unit Price and Amount
when the row gives them, else the catalog's unit price.

- Unit price alone (or the catalog's): amount = quantity x unit price, exact.
- Amount alone: the amount is kept exactly as given; the unit price is amount /
  quantity rounded half up to 4 decimal places (as invoicing systems keep unit
  prices: 100.00 for 3 is 33.3333), no finer than the division needs (13.50
  for 10 is 1.35).
- Both: the amount must be quantity x unit price, exactly or rounded half up to
  the cent (3 x 3.333 = 9.999 may be billed as 10.00); else AMOUNT_MISMATCH.

Bounds keep every value storable exactly (a Decimal128 holds 34 digits) and
every sum of a schedule exact in a 100-digit context.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from bson.decimal128 import Decimal128

MONEY_MAX = Decimal(1_000_000_000_000)
QUANTITY_MAX = Decimal(1_000_000_000)
# Decimal places a quantity or money value may have: 20 keeps the largest
# value within the 34 digits a Decimal128 stores.
MAX_PLACES = 20
UNIT_PRICE_PLACES = 4
CENT = Decimal("0.01")
# Wide enough that products and sums of bounded values are exact.
EXACT = Context(prec=100, rounding=ROUND_HALF_UP)


def storable(value: Decimal) -> bool:
    """True when a Decimal128 holds `value` exactly."""
    try:
        Decimal128(value)
    except ArithmeticError:
        return False
    return True


def bounds_problem(value: Decimal, label: str, maximum: Decimal) -> str | None:
    """Why `value` is no amount from 0 to `maximum` with at most MAX_PLACES
    decimal places; None when it is one.
    """
    if not value.is_finite():
        return f"{label} {value} is not a number."
    if value < 0:
        return f"{label} cannot be negative ({value})."
    if value > maximum:
        return f"{label} {value} is more than {maximum:,}."
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES and value != 0:
        return f"{label} {value} has more than {MAX_PLACES} decimal places."
    return None


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    amount: Decimal


class PriceError(ValueError):
    """A row's price that cannot be: the code, the field and a message saying why."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def line_price(quantity: Decimal, unit_price: Decimal | None, amount: Decimal | None,
               catalog_price: Decimal) -> Price:
    """The line's unit price and amount (see the module); PriceError otherwise.
    `quantity` is positive and within bounds.
    """
    for value, label, key in ((unit_price, "Unit Price", "unit_price"),
                              (amount, "Amount", "amount")):
        problem = None if value is None else bounds_problem(value, label, MONEY_MAX)
        if problem:
            raise PriceError("INVALID_AMOUNT", problem, key)
    if amount is None:
        price = catalog_price if unit_price is None else unit_price
        total = EXACT.multiply(quantity, price)
        if not storable(total):
            raise PriceError("INVALID_AMOUNT", f"Quantity {quantity} x Unit Price {price} = "
                             f"{total} has more than 34 digits; round the unit price.",
                             "unit_price")
        return Price(price, total)
    if unit_price is None:
        return Price(_unit_price(amount, quantity), amount)
    product = EXACT.multiply(quantity, unit_price)
    if amount not in (product, product.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)):
        raise PriceError("AMOUNT_MISMATCH", f"Amount {amount} is not Quantity {quantity} x "
                         f"Unit Price {unit_price} = {product}.", "amount")
    return Price(unit_price, amount)


def _unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    exact = EXACT.divide(amount, quantity)
    price = exact.quantize(Decimal(1).scaleb(-UNIT_PRICE_PLACES), context=EXACT)
    if price.is_zero() and not amount.is_zero():
        raise PriceError("INVALID_AMOUNT", f"Amount {amount} for Quantity {quantity} is a unit "
                         f"price under {Decimal(1).scaleb(-UNIT_PRICE_PLACES)}; give the "
                         "Unit Price.", "amount")
    if price > MONEY_MAX or not storable(price):
        raise PriceError("INVALID_AMOUNT", f"Amount {amount} for Quantity {quantity} is a unit "
                         f"price over {MONEY_MAX:,}.", "amount")
    # No finer than the amount's own places when the division ends there (13.50 / 10 = 1.35).
    places = amount.as_tuple().exponent
    if isinstance(places, int) and places > -UNIT_PRICE_PLACES:
        coarser = exact.quantize(Decimal(1).scaleb(min(places, -2)), context=EXACT)
        if coarser == exact:
            return coarser
    return price
