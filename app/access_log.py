"""uvicorn's access log, with paths only: a query string may carry a secret
(a client that sends `?api_key=...` is refused, but the line would keep it).
"""

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG


class PathsOnly(logging.Filter):
    """Drops the query string from uvicorn's access records
    (args: client, method, path with query, HTTP version, status).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            client, method, _, version, status = args
            record.args = (client, method, args[2].split("?", 1)[0], version, status)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, its access lines filtered by PathsOnly."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["paths_only"] = {"()": PathsOnly}
    config["handlers"]["access"]["filters"] = ["paths_only"]
    return config
