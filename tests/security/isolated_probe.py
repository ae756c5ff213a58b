"""Runs the reading child (importers.isolated) on a file, as a process of its
own, and prints as JSON its answer (an error, or the rows it streamed: their
count, and the rows holding something with their numbers) and its peak RSS.

    python -m tests.security.isolated_probe FILE [MAX_COLUMNS]
"""

import io
import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    from importers import isolated

    data = Path(sys.argv[1]).read_bytes()
    max_columns = int(sys.argv[2]) if len(sys.argv) > 2 else None
    options = json.dumps({"sheet": None, "max_columns": max_columns, "check": True,
                          "rows": True}).encode() + b"\n"
    sys.stdin = io.TextIOWrapper(io.BytesIO(options + data))
    sent = io.BytesIO()
    sys.stdout = io.TextIOWrapper(sent)
    try:
        isolated.main()
        output = sent.getvalue()
    finally:
        sys.stdout = sys.__stdout__
    frames = isolated._frames_of(output)
    answer: dict[str, Any] | None = None
    count = 0
    filled: list[tuple[int, list[str]]] = []
    for frame in frames:
        if frame[0] == "error":
            answer = {"code": frame[1], "message": frame[2]}
        elif frame[0] == "rows":
            for row in frame[1]:
                count += 1
                if any(cell is not None for cell in row):
                    filled.append((count, [str(c) for c in row if c is not None]))
    status = Path("/proc/self/status").read_text()
    (peak_kb,) = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    print(json.dumps({"answer": answer, "ended": bool(frames) and frames[-1][0] == "end",
                      "rows": count, "filled": filled[:20],
                      "peak_rss_mb": int(peak_kb) / 1024}))


if __name__ == "__main__":
    main()
