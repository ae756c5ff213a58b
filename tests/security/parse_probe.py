"""Reads a file the way an import does, in a process of its own under a memory
limit, and prints what came out and the peak RSS as JSON.

    python -m tests.security.parse_probe FILE LIMIT_MB
"""

import json
import resource
import sys
from pathlib import Path


def main() -> None:
    path, limit_mb = Path(sys.argv[1]), int(sys.argv[2])
    limit = limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from importers.errors import ImportFileError
    from importers.readers import open_rows

    data = path.read_bytes()
    outcome: dict[str, object]
    try:
        opened = open_rows(data)
        rows = [row for row, _ in zip(opened.rows, range(10), strict=False)]
        rest = sum(1 for _ in opened.rows)
        outcome = {"rows": len(rows) + rest, "first": [str(c) for c in rows[0]] if rows else []}
    except ImportFileError as exc:
        outcome = {"code": exc.code.value, "message": exc.message}
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec.
    status = Path("/proc/self/status").read_text()
    (peak_kb,) = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    outcome["peak_rss_mb"] = int(peak_kb) / 1024
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
