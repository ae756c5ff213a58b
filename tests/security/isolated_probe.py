"""Runs the workbook-checking child (importers.isolated) on a file, as a process of
its own, and prints its answer and its peak RSS as JSON.

    python -m tests.security.isolated_probe FILE
"""

import contextlib
import io
import json
import sys
from pathlib import Path


def main() -> None:
    from importers import isolated

    data = Path(sys.argv[1]).read_bytes()
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    answer = io.StringIO()
    with contextlib.redirect_stdout(answer):
        isolated.main()
    status = Path("/proc/self/status").read_text()
    (peak_kb,) = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    print(json.dumps({"answer": json.loads(answer.getvalue()),
                      "peak_rss_mb": int(peak_kb) / 1024}))


if __name__ == "__main__":
    main()
