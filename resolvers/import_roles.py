"""What each role may import, and whose import rows it may read back.

An import is held to the permissions of the GraphQL mutations that would make
the same change: the import permission writes customers with their sites,
contacts and equipment (what partner tools feed), but the product catalog needs
the products permission (as `productUpdate` does) and product lines the finance
one. A dry run reports what is stored (which names exist), so it is a read of
customers. The rows of a job (its row errors and error report) are the file's
customer data: a role that cannot read customers reads them only for jobs its
own key started.
"""

from collections.abc import Iterable

from documents.import_job import ImportJob, ImportPart
from importers.fields import Entity
from importers.isolated import open_rows
from resolvers.actor import Actor, Permission
from resolvers.errors import Forbidden

# Beyond Permission.IMPORT, which every import needs.
ENTITY_PERMISSIONS: dict[Entity, tuple[Permission, str]] = {
    Entity.PRODUCTS: (Permission.MANAGE_PRODUCTS, "change the product catalog"),
    Entity.PRODUCT_LINES: (Permission.READ_FINANCE, "import product lines (finance data)"),
}


def require_entity(actor: Actor, entity: Entity, sheet: str | None = None) -> None:
    needed = ENTITY_PERMISSIONS.get(entity)
    if needed is not None:
        where = f" (sheet {sheet!r})" if sheet else ""
        actor.require(needed[0], f"Your API key's role may not {needed[1]}{where}.")


def require_dry_run(actor: Actor) -> None:
    actor.require(Permission.READ_CUSTOMERS,
                  "A dry run reports which customers exist, and your API key's role may not "
                  "read customers; import for real, or use an office key.")


def allowed_parts(actor: Actor, data: bytes, parts: Iterable[ImportPart]) -> list[ImportPart]:
    """The template sheets `actor` may import: a sheet it may not import is
    refused when it holds data, and left out when it is empty (the standard
    template has every sheet).
    """
    allowed = []
    for part in parts:
        entity = Entity(part.entity)
        needed = ENTITY_PERMISSIONS.get(entity)
        if needed is None or actor.can(needed[0]):
            allowed.append(part)
        elif _has_data(data, part.sheet):
            require_entity(actor, entity, part.sheet)
    return allowed


def _has_data(data: bytes, sheet: str) -> bool:
    rows = open_rows(data, sheet).rows
    next(rows, None)  # the header
    return any(any(cell not in (None, "") for cell in row) for row in rows)


def may_read_rows(actor: Actor, job: ImportJob) -> bool:
    if actor.can(Permission.READ_CUSTOMERS):
        return True
    return actor.key_id is not None and job.created_by_key == actor.key_id


def require_rows(actor: Actor, job: ImportJob) -> None:
    if not may_read_rows(actor, job):
        raise Forbidden("Your API key's role may read the rows of its own imports only.")
