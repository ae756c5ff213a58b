"""A command listener that holds every command the service sends to a tenant
collection to the rule: its filter names `org_id` (for an aggregation, its
first `$match`), and every document it inserts carries one.

It watches the whole test suite. A command the tests send themselves (cleaning
up, checking what was stored) is told apart by the stack: the innermost frame
of this project's code that sent it is in `tests/`.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pymongo import monitoring

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tuple(str(ROOT / part) + "/" for part in
                ("app", "documents", "importers", "resolvers", "schema", "tests"))
TESTS = str(ROOT / "tests") + "/"
THIS_FILE = str(Path(__file__).resolve())

# Collections holding no organization's data.
NOT_TENANT = {"organizations"}
# Commands that may leave org_id out, each for a reason, as (collection, sending function).
ALLOWED = {
    # A request's key is looked up before anyone knows its organization (unique key_hash).
    ("api_keys", "actor_for_key"),
    # A worker claims the oldest queued job of any organization.
    ("import_jobs", "claim"),
    # GridFS reads an upload by its id, which comes from the tenant-checked import job.
    ("uploads.files", "*"),
    ("uploads.chunks", "*"),
    # An export worker claims the oldest queued export of any organization.
    ("export_jobs", "claim_export"),
    # Export files are read by the id their tenant-checked export job holds, and
    # swept by age for every organization once they expire.
    ("exports.files", "*"),
    ("exports.chunks", "*"),
}
IGNORED_COMMANDS = {"createIndexes", "listIndexes", "listCollections", "getMore", "killCursors",
                    "endSessions", "commitTransaction", "abortTransaction", "ping", "hello",
                    "isMaster", "ismaster", "buildInfo", "drop", "dropIndexes", "create",
                    "configureFailPoint", "collMod", "dropDatabase", "serverStatus"}


def _filters(name: str, command: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(what, filter or document) pairs of a command that must name org_id."""
    if name in ("find", "count", "distinct"):
        yield "filter", command.get("filter", command.get("query"))
    elif name == "aggregate":
        pipeline = command.get("pipeline") or [{}]
        yield "first $match", pipeline[0].get("$match")
    elif name == "findAndModify":
        yield "query", command.get("query")
    elif name == "update":
        for statement in command.get("updates", []):
            yield "update filter", statement.get("q")
    elif name == "delete":
        for statement in command.get("deletes", []):
            yield "delete filter", statement.get("q")
    elif name == "insert":
        for document in command.get("documents", []):
            yield "inserted document", document
    else:
        yield "unknown command", None


def _sender() -> tuple[str, str]:
    """The file and function of the innermost project frame on the stack (frames
    only: traceback.extract_stack would read source lines, slowing every command).
    """
    frame = sys._getframe(1)
    while frame is not None:
        file = frame.f_code.co_filename
        if file.startswith(PROJECT) and file != THIS_FILE:
            return file, frame.f_code.co_name
        frame = frame.f_back  # type: ignore[assignment]
    return "", ""


class TenantFilterCheck(monitoring.CommandListener):
    def __init__(self, database: str) -> None:
        self.database = database
        self.violations: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database or event.command_name in IGNORED_COMMANDS:
            return
        command = dict(event.command)
        collection = command.get(event.command_name)
        if not isinstance(collection, str) or collection in NOT_TENANT:
            return
        file, function = _sender()
        if file.startswith(TESTS):
            return
        if {(collection, function), (collection, "*")} & ALLOWED:
            return
        for what, shape in _filters(event.command_name, command):
            if not isinstance(shape, dict) or "org_id" not in shape:
                self.violations.append(
                    f"{event.command_name} on {collection} from {function} "
                    f"({Path(file).relative_to(ROOT) if file else '?'}): "
                    f"{what} lacks org_id: {shape!r}"[:600])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> list[str]:
        found, self.violations = self.violations, []
        return found

