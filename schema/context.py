from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from strawberry.types import Info as StrawberryInfo

from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.imports import ImportLimits
from resolvers.loaders import Loaders


@dataclass
class Context:
    # Set from the request's key; a websocket may bring its key in connection_init instead.
    authenticated: Actor | None
    import_limits: ImportLimits
    # The most a query's database reads may take (see schema/limits.ReadTimeLimit).
    read_timeout: float | None = None
    # Whether this request's document and variables already passed `refusal`
    # (schema/limits.py), so the extension need not measure them again.
    limits_checked: bool = False
    connection_params: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        if self.authenticated is None:
            raise Forbidden("Send an API key first.")
        return self.authenticated

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.actor)


Info = StrawberryInfo[Context, None]
