"""The product catalog: listing, reading, creating and changing products."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from documents.product import Product, currency_code
from documents.text import name_key
from resolvers.actor import Actor, Permission
from resolvers.customer_queries import search_conditions
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size
from resolvers.values import camel, clean_text, decimal_problem, input_problems

# A hundred years: longer is surely a typo (terms are in months, not days).
MAX_TERM_MONTHS = 1_200


@dataclass
class ProductQuery:
    search: str | None = None
    recurring: bool | None = None
    active: bool | None = None


async def list_products(actor: Actor, first: int | None, after: str | None,
                        query: ProductQuery) -> Page[Product]:
    """Products in import id order."""
    actor.require(Permission.READ_CUSTOMERS)
    limit = page_size(first)
    cursor = decode_cursor(after, str)
    search, exact = search_conditions(query.search, "search_tokens")
    flags = {k: v for k, v in (("recurring", query.recurring), ("active", query.active))
             if v is not None}
    filters = [*exact, *([{"$match": flags}] if flags else [])]
    # One index-shaped first stage (see resolvers/name_order): the search, else the key range.
    first_match = search or ({"import_key": {"$gt": str(cursor[0])}} if cursor else {})
    if search and cursor:
        filters.append({"$match": {"import_key": {"$gt": str(cursor[0])}}})
    raw = await Product.aggregate_in(actor.org_id, first_match,
                                     [*filters, {"$sort": {"import_key": 1}}], limit + 1)
    found = [Product.model_validate(doc) for doc in raw]

    async def total() -> int:
        return await Product.count_where(actor.org_id, search,
                                         [*exact, *([{"$match": flags}] if flags else [])])

    return Page(items=[(encode_cursor(p.import_key), p) for p in found[:limit]],
                has_next_page=len(found) > limit, count=total)


async def get_product(actor: Actor, product_id: ObjectId) -> Product | None:
    actor.require(Permission.READ_CUSTOMERS)
    return await Product.get_in(actor.org_id, product_id)


def _apply(product: Product, fields: dict[str, Any]) -> list[Problem]:
    """Sets the given `fields`; what is wrong with them, if anything."""
    problems = input_problems(fields, ["input"])
    for key in ("import_id", "name"):
        if key in fields:
            value = clean_text(fields[key])
            if value is None:
                label = "An import id" if key == "import_id" else "A name"
                problems.append(Problem(ErrorCode.REQUIRED, f"{label} is required.",
                                        ["input", camel(key)]))
            else:
                setattr(product, key, value)
    product.import_key = name_key(product.import_id)
    price = fields.get("unit_price")
    if price is not None and decimal_problem(Decimal(price)) is None:
        if price < 0:
            problems.append(Problem(ErrorCode.INVALID_NUMBER,
                                    "The unit price cannot be negative.", ["input", "unitPrice"]))
        else:
            product.unit_price = Decimal(price)
    if fields.get("currency") is not None:
        try:
            product.currency = currency_code(fields["currency"])
        except ValueError as exc:
            problems.append(Problem(ErrorCode.INVALID_CURRENCY, str(exc), ["input", "currency"]))
    if "term_months" in fields:
        term = fields["term_months"]
        if term is not None and not 1 <= term <= MAX_TERM_MONTHS:
            problems.append(Problem(ErrorCode.INVALID_NUMBER,
                                    f"The term is 1 to {MAX_TERM_MONTHS:,} months.",
                                    ["input", "termMonths"]))
        product.term_months = term
    for key in ("recurring", "active"):
        if fields.get(key) is not None:
            setattr(product, key, bool(fields[key]))
    return problems


async def _save(product: Product, insert: bool) -> Product:
    product.prepare_for_save()
    try:
        if insert:
            await Product.collection().insert_one(product.to_mongo())
        else:
            await Product.collection().replace_one(
                Product.scoped(product.org_id, {"_id": product.id}), product.to_mongo())
    except DuplicateKeyError:
        raise UserFacingError(Problem(
            ErrorCode.DUPLICATE, f"A product with import id {product.import_id!r} exists.",
            ["input", "importId"])) from None
    return product


async def product_create(actor: Actor, fields: dict[str, Any]) -> Product:
    actor.require(Permission.MANAGE_PRODUCTS)
    product = Product(id=PydanticObjectId(), org_id=PydanticObjectId(actor.org_id),
                      import_id="", import_key="", name="")
    problems = _apply(product, {"import_id": None, "name": None, **fields})
    if problems:
        raise UserFacingError(*problems)
    return await _save(product, insert=True)


async def product_update(actor: Actor, product_id: ObjectId, fields: dict[str, Any]) -> Product:
    actor.require(Permission.MANAGE_PRODUCTS)
    product = await Product.get_in(actor.org_id, product_id)
    if product is None:
        raise not_found("Product", ["id"])
    problems = _apply(product, fields)
    if problems:
        raise UserFacingError(*problems)
    return await _save(product, insert=False)
