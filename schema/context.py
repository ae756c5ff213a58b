from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from resolvers.actor import Actor
from resolvers.loaders import Loaders


@dataclass
class Context:
    actor: Actor
    max_upload_bytes: int
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.actor)


Info = StrawberryInfo[Context, None]
