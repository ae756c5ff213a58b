"""Who is calling (organization and role) and what each role may do."""

from dataclasses import dataclass
from enum import Enum, auto

from bson import ObjectId

from documents.api_key import Role
from documents.organization import OrgSettings
from resolvers.errors import Forbidden


class Permission(Enum):
    READ_CUSTOMERS = auto()
    WRITE_CUSTOMERS = auto()
    ADD_OPEN_LOOKUPS = auto()  # customer types, lead sources ("+Add New")
    ADMINISTER = auto()  # payment terms, price levels, users, settings
    IMPORT = auto()
    READ_IMPORTS = auto()
    MANAGE_PRODUCTS = auto()  # the product catalog
    READ_FINANCE = auto()  # product lines, bookings, revenue
    EXPORT = auto()  # customers, products and the whole template (sites: READ_CUSTOMERS)


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OFFICE: frozenset(
        {
            Permission.READ_CUSTOMERS,
            Permission.WRITE_CUSTOMERS,
            Permission.ADD_OPEN_LOOKUPS,
            Permission.IMPORT,
            Permission.READ_IMPORTS,
            Permission.MANAGE_PRODUCTS,
            Permission.READ_FINANCE,
            Permission.EXPORT,
        }
    ),
    Role.FIELD: frozenset({Permission.READ_CUSTOMERS}),
    Role.PARTNER: frozenset({Permission.IMPORT, Permission.READ_IMPORTS}),
}


@dataclass(frozen=True)
class Actor:
    org_id: ObjectId
    org_slug: str
    role: Role
    settings: OrgSettings

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden()
