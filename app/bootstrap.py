"""First start with the embedded database: a `demo` organization and an admin key."""

import logging
import os

from app.auth import create_api_key, create_org
from app.settings import Settings
from documents.api_key import Role
from documents.organization import Organization

log = logging.getLogger(__name__)


async def ensure_demo_org(settings: Settings) -> str | None:
    """Create the demo org and its admin key unless it exists; returns the new key."""
    if await Organization.find_one({"slug": "demo"}) is not None:
        return None
    org = await create_org("demo", "Demo")
    key = await create_api_key(org, Role.ADMIN, name="demo admin")
    key_file = settings.data_dir / "demo-api-key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    # The key itself stays out of the output: a console is often someone's log.
    print(f"Created organization 'demo' with an admin API key; it is in {key_file} "
          "(readable only by you).", flush=True)
    return key
