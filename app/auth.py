"""Organizations and API keys: creating them, and finding who a key belongs to.

A key is `sbk_` and 256 random bits; only its SHA-256 is stored (a slow hash
adds nothing for keys this long, and every request checks one).
"""

import hashlib
import re
import secrets
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from documents.api_key import ApiKey, Role
from documents.base import utcnow
from documents.organization import Organization, OrgSettings
from resolvers.actor import Actor
from resolvers.actor_cache import ACTORS

KEY_PREFIX = "sbk_"
# What a request without a valid key gets (HTTP 401), on every route: one shape,
# a GraphQL error, as every other refusal of the service.
UNAUTHENTICATED = {"errors": [{
    "message": "A valid API key is required (Authorization: Bearer sbk_...).",
    "extensions": {"code": "UNAUTHENTICATED"}}]}


class AlreadyExists(Exception):
    pass


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class InvalidSlug(ValueError):
    pass


# As GitHub has organization names: letters and digits, single hyphens between.
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 39


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name an organization, or None when it can."""
    if len(slug) > MAX_SLUG:
        return f"the slug {slug!r} is longer than {MAX_SLUG} characters"
    if not _SLUG.fullmatch(slug):
        suggestion = "-".join(re.findall(r"[a-z0-9]+", slug.lower()))[:MAX_SLUG].strip("-")
        hint = f" (e.g. {suggestion!r})" if suggestion else ""
        return (f"the slug {slug!r} may hold only lowercase letters, digits and single "
                f"hyphens between them{hint}")
    return None


async def create_org(slug: str, name: str | None = None) -> Organization:
    problem = slug_problem(slug)
    if problem is not None:
        raise InvalidSlug(problem)
    org = Organization(slug=slug, name=name or slug)
    try:
        await org.insert()
    except DuplicateKeyError:
        raise AlreadyExists(f"an organization {slug!r} already exists") from None
    return org


async def create_api_key(org: Organization, role: Role, name: str | None = None) -> str:
    """A new key for `org`; the key itself is returned once and never stored."""
    assert org.id is not None
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    await ApiKey(
        org_id=org.id, prefix=key[:12], key_hash=hash_key(key), role=role, name=name
    ).insert()
    return key


async def revoke_api_key(org: Organization, prefix: str) -> bool:
    """Revoke `org`'s live key that starts with `prefix` (as `apikey list` shows it)."""
    result = await ApiKey.get_pymongo_collection().update_one(
        {"org_id": org.id, "prefix": prefix, "revoked_at": None},
        {"$set": {"revoked_at": utcnow()}},
    )
    # This process stops honouring it at once (others within the cache's lifetime).
    ACTORS.forget_key(org.id, prefix)  # type: ignore[arg-type]
    return result.modified_count == 1


def bearer_key(authorization: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` header (any case of "Bearer")."""
    scheme, _, key = authorization.partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


async def authenticate(authorization: str | None) -> Actor | None:
    """Who an Authorization header speaks for: the one way every route (GraphQL,
    its websocket, the file downloads) turns a key into an actor; None: HTTP 401.
    A key looked up in the last few seconds is not looked up again
    (resolvers/actor_cache.py).
    """
    key = bearer_key(authorization or "")
    if key is None or not key.startswith(KEY_PREFIX):
        return None
    key_hash = hash_key(key)
    kept = ACTORS.get(key_hash)
    if kept is not None:
        return kept
    actor = await actor_for_key(key)
    if actor is not None:
        ACTORS.keep(key_hash, key[:12], actor)
    return actor


async def actor_for_key(key: str) -> Actor | None:
    """Who a bearer key speaks for; None for unknown or revoked keys (one command)."""
    if not key.startswith(KEY_PREFIX):
        return None
    pipeline: list[dict[str, Any]] = [
        {"$match": {"key_hash": hash_key(key)}},  # the unique index
        {"$match": {"revoked_at": None}},
        {"$lookup": {"from": "organizations", "localField": "org_id",
                     "foreignField": "_id", "as": "org"}},
    ]
    rows = await (await ApiKey.get_pymongo_collection().aggregate(pipeline)).to_list()
    if not rows or not rows[0]["org"]:
        return None
    org = rows[0]["org"][0]
    return Actor(
        org_id=PydanticObjectId(org["_id"]),
        org_slug=org["slug"],
        role=Role(rows[0]["role"]),
        settings=OrgSettings.model_validate(org.get("settings") or {}),
        key_id=rows[0]["_id"],
    )
