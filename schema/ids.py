"""Opaque global IDs: base64 of "Type:objectid". Clients never decode them."""

import base64
import binascii

import strawberry
from bson import ObjectId
from bson.errors import InvalidId

# Stands in for an id that cannot be read: it matches nothing, so a garbled
# id answers exactly like a missing one.
UNMATCHABLE = ObjectId("000000000000000000000000")


def to_global_id(type_name: str, object_id: ObjectId | None) -> strawberry.ID:
    assert object_id is not None, "stored documents always have an id"
    raw = f"{type_name}:{object_id}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def parse_global_id(global_id: str) -> tuple[str, ObjectId] | None:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, hex_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, ObjectId(hex_id)
    except (binascii.Error, UnicodeDecodeError, InvalidId, ValueError):
        return None


def from_global_id(global_id: str, type_name: str) -> ObjectId:
    """The ObjectId inside an id of the expected type; UNMATCHABLE otherwise."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != type_name:
        return UNMATCHABLE
    return parsed[1]


def optional_id(global_id: str | None, type_name: str) -> ObjectId | None:
    return None if global_id is None else from_global_id(global_id, type_name)
