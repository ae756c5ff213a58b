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
    # The API key speaking (None for the CLI): a partner reads back the rows of its own imports.
    key_id: ObjectId | None = None

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission, message: str | None = None) -> None:
        if not self.can(permission):
            raise Forbidden(message or forbidden_message(self.role, permission))


# What each permission lets a key do, in the words of a FORBIDDEN message.
_DOING = {
    Permission.READ_CUSTOMERS: "reading customers, their sites, contacts and equipment, and "
    "lookups",
    Permission.WRITE_CUSTOMERS: "changing customers, sites, contacts and equipment",
    Permission.ADD_OPEN_LOOKUPS: "adding customer types and lead sources",
    Permission.ADMINISTER: "changing payment terms, price levels, users and settings",
    Permission.IMPORT: "importing files and managing mappings",
    Permission.READ_IMPORTS: "reading import jobs",
    Permission.MANAGE_PRODUCTS: "changing the product catalog",
    Permission.READ_FINANCE: "reading product lines, bookings and revenue",
    Permission.EXPORT: "exporting",
}


def forbidden_message(role: Role, permission: Permission) -> str:
    """Why a key may not do something, and which roles may."""
    roles = " or ".join(r.value for r in Role if permission in GRANTS[r])
    return (f"Your API key's role ({role.value}) may not do this: {_DOING[permission]} "
            f"needs the {roles} role.")
