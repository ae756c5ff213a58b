"""Saved mappings: savedMappings, mappingSave, mappingDelete, and finding the
saved mapping whose headers match a file.
"""

from bson import ObjectId
from pymongo import ReturnDocument

from documents.base import utcnow
from documents.saved_mapping import SavedColumn, SavedMapping
from documents.text import name_key
from importers.fields import Entity, field_for, unknown_field_reason
from importers.mapping import normalize_header
from importers.sheet_look import DETECT, HEAD_ROWS, Detect
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found
from resolvers.values import clean_text, input_problems


async def saved_mappings(actor: Actor, entity: Entity) -> list[SavedMapping]:
    actor.require(Permission.IMPORT)
    return await SavedMapping.find_in(actor.org_id, {"entity": entity.value},
                                      sort=[("name_key", 1)])


async def get_saved_mapping(actor: Actor, mapping_id: ObjectId) -> SavedMapping | None:
    actor.require(Permission.IMPORT)
    return await SavedMapping.get_in(actor.org_id, mapping_id)


async def mapping_save(actor: Actor, name: str | None, entity: Entity, has_headers: bool,
                       columns: list[SavedColumn],
                       header_row: int | Detect | None = DETECT) -> SavedMapping:
    """Save (or, under the same name, replace) a mapping, with the header row of
    its files (not given: row 1 when it has headers).
    """
    actor.require(Permission.IMPORT)
    if isinstance(header_row, Detect):
        header_row = 1 if has_headers else None
    has_headers = header_row is not None
    problems: list[Problem] = []
    if header_row is not None and not 1 <= header_row <= HEAD_ROWS:
        problems.append(Problem(ErrorCode.INVALID, f"The header row is one of the first "
                                f"{HEAD_ROWS} rows (from 1), or null.", ["input", "headerRow"]))
    problems += input_problems(name, ["input", "name"])
    for index, column in enumerate(columns):
        problems += input_problems(column.header, ["input", "mapping", str(index), "header"])
    label = clean_text(name)
    if not label:
        problems.append(Problem(ErrorCode.REQUIRED, "A saved mapping needs a name.",
                                ["input", "name"]))
    fed_by: dict[str, int] = {}  # field key -> the first mapping entry that feeds it
    for index, column in enumerate(columns):
        if column.column < 0 and not (has_headers and column.header):
            problems.append(Problem(ErrorCode.REQUIRED, "Give a column (or, with headers, a "
                                    "header).", ["input", "mapping", str(index)]))
        target = field_for(entity, column.field)
        if target is None:
            problems.append(Problem(ErrorCode.UNKNOWN_FIELD,
                                    unknown_field_reason(entity, column.field),
                                    ["input", "mapping", str(index), "field"]))
        elif target.key in fed_by:
            # One of the two would be dropped without a word: say so instead.
            problems.append(Problem(ErrorCode.DUPLICATE,
                                    f"{target.key!r} is already fed by mapping entry "
                                    f"{fed_by[target.key]}; map one column to each field.",
                                    ["input", "mapping", str(index), "field"]))
        else:
            fed_by[target.key] = index
    if problems:
        raise UserFacingError(*problems)
    assert label is not None
    raw = await SavedMapping.collection().find_one_and_update(
        SavedMapping.scoped(actor.org_id, {"entity": entity.value, "name_key": name_key(label)}),
        {"$set": {"name": label, "has_headers": has_headers, "header_row": header_row,
                  "columns": [c.model_dump() for c in columns]},
         "$setOnInsert": {"created_at": utcnow()}},
        upsert=True, return_document=ReturnDocument.AFTER,
    )
    saved: SavedMapping = SavedMapping.model_validate(raw)
    return saved


async def mapping_delete(actor: Actor, mapping_id: ObjectId) -> None:
    actor.require(Permission.IMPORT)
    deleted = await SavedMapping.collection().delete_one(
        SavedMapping.scoped(actor.org_id, {"_id": mapping_id}))
    if deleted.deleted_count == 0:
        raise not_found("Saved mapping", ["id"])


async def matching_saved_mapping(actor: Actor, entity: Entity,
                                 headers: list[str]) -> SavedMapping | None:
    """The saved mapping whose headers all appear in the file's headers."""
    present = {normalize_header(h) for h in headers if h}
    for saved in await saved_mappings(actor, entity):
        wanted = {normalize_header(c.header) for c in saved.columns if c.header}
        if saved.has_headers and wanted and wanted <= present:
            return saved
    return None
