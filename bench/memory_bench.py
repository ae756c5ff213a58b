"""What an upload costs `sitebook serve` in memory, and what reading through the
reading child costs in time. Not a test: it prints figures.

    .venv/bin/python bench/memory_bench.py [--rows 200000] [--no-import]

Generates a genuine customers XLSX (15 columns, as bench/import_bench.py) of
--rows rows, then in the same run:
(a) reading it in process (importers.readers.open_rows, what the service did
    before) and through the reading child (importers.isolated.open_rows, what it
    does now): seconds each, their ratio, and this process's peak RSS growth for
    each (the in-process read first measured in a child process of its own);
(b) through `sitebook serve` on the embedded database: importAnalyze, then a
    full import of the file, and the service's peak RSS (VmHWM) before and
    after: its growth is what the upload cost the service (the promise: under
    200 MB, see SECURITY.md).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from embedded import embedded_database
from import_bench import customers_xlsx, import_over_http, peak_rss_mb, serving

ROOT = Path(__file__).resolve().parent.parent
ANALYZE = ("mutation($file: Upload!, $input: ImportAnalyzeInput!) { importAnalyze(file: $file, "
           "input: $input) { analysis { rowCount } userErrors { message } } }")

READ = """
import json, resource, sys, time
from pathlib import Path
from importers import isolated, readers
data = Path(sys.argv[2]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
opened = (readers if sys.argv[1] == "in-process" else isolated).open_rows(data)
rows = sum(1 for _ in opened.rows)
seconds = time.perf_counter() - started
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"rows": rows, "seconds": seconds, "grown_mb": grown}))
"""


def read(how: str, path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", READ, how, str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def analyze_over_http(port: int, key: str, data: bytes) -> int:
    operations = json.dumps({"query": ANALYZE,
                             "variables": {"file": None, "input": {"entity": "CUSTOMERS"}}})
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql", timeout=1200,
        headers={"Authorization": f"Bearer {key}", "GraphQL-Require-Preflight": "1"},
        data={"operations": operations, "map": '{"0": ["variables.file"]}'},
        files={"0": ("customers.xlsx", data, "application/octet-stream")})
    count: int = response.json()["data"]["importAnalyze"]["analysis"]["rowCount"]
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="reads of (a), interleaved")
    parser.add_argument("--no-import", action="store_true", help="only (a) and importAnalyze")
    args = parser.parse_args()
    started = time.perf_counter()
    data = customers_xlsx(args.rows)
    path = Path(tempfile.mkdtemp()) / f"memory_bench_{args.rows}.xlsx"
    path.write_bytes(data)
    print(f"generated {args.rows:,}-row XLSX ({len(data) / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.0f}s", flush=True)

    print("\n(a) reading every row: in process vs through the reading child", flush=True)
    runs: dict[str, list[dict[str, float]]] = {"in-process": [], "child": []}
    for _ in range(args.repeat):
        for how in runs:
            runs[how].append(read(how, path))
    for how, figures in runs.items():
        seconds = sorted(f["seconds"] for f in figures)[len(figures) // 2]
        grown = max(f["grown_mb"] for f in figures)
        print(f"  {how:>10}: median {seconds:6.1f}s, reader's peak growth {grown:6.0f} MB "
              f"({figures[0]['rows']:,.0f} rows)", flush=True)
    ratio = (sorted(f["seconds"] for f in runs["child"])[args.repeat // 2]
             / sorted(f["seconds"] for f in runs["in-process"])[args.repeat // 2])
    print(f"  child / in process: {ratio:.2f}x time", flush=True)

    print("\n(b) through `sitebook serve`: the service's peak RSS (VmHWM)", flush=True)
    with embedded_database() as uri, serving(uri) as (port, key, pid):
        # The rows' payment term, as bench/import_bench.py adds it.
        httpx.post(f"http://127.0.0.1:{port}/graphql", headers={"Authorization": f"Bearer {key}"},
                   json={"query": 'mutation { paymentTermCreate(input: {name: "Net 30"}) '
                                  "{ paymentTerm { id } } }"})
        small = customers_xlsx(20)
        analyze_over_http(port, key, small)
        import_over_http(port, key, small, "small.xlsx", "CUSTOMERS")
        before = peak_rss_mb(pid)
        print(f"  after a warm-up import: {before:.0f} MB", flush=True)
        moment = time.perf_counter()
        count = analyze_over_http(port, key, data)
        print(f"  importAnalyze ({count:,} rows, {time.perf_counter() - moment:.0f}s): "
              f"{peak_rss_mb(pid):.0f} MB, +{peak_rss_mb(pid) - before:.0f} MB", flush=True)
        if not args.no_import:
            job = import_over_http(port, key, data, "customers.xlsx", "CUSTOMERS")
            print(f"  import {job['status']} {job['totals']} in {job['seconds']:.0f}s: "
                  f"{peak_rss_mb(pid):.0f} MB, +{peak_rss_mb(pid) - before:.0f} MB", flush=True)
        print(f"  growth: {peak_rss_mb(pid) - before:.0f} MB (bound: 200 MB)", flush=True)


if __name__ == "__main__":
    main()
