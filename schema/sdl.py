"""The schema as SDL for partners (schema.graphql, written by `sitebook schema`),
and the changes between two versions of it that would break their clients.
"""

from pathlib import Path

from graphql import build_schema as schema_of_sdl
from graphql import find_breaking_changes, find_dangerous_changes

# Committed at the repository's root: partners generate code from it, and
# tests/test_schema_contract.py fails when the schema changes without it.
SDL_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def current_sdl() -> str:
    from schema import build_schema  # the whole schema: only when asked for

    return build_schema().as_str() + "\n"


def breaking_changes(old_sdl: str, new_sdl: str) -> list[str]:
    """What `new_sdl` removes or changes that a client of `old_sdl` may rely on."""
    return [change.description for change in find_breaking_changes(
        schema_of_sdl(old_sdl), schema_of_sdl(new_sdl))]


def dangerous_changes(old_sdl: str, new_sdl: str) -> list[str]:
    """Changes that keep old queries valid but may surprise a client (a new enum
    value its switch does not know, a changed default)."""
    return [change.description for change in find_dangerous_changes(
        schema_of_sdl(old_sdl), schema_of_sdl(new_sdl))]
