"""Memory of `aurous-mock serve` while generations live their whole life.

Each batch creates N image generations, polls each one, moves the mock's clock past their finish (so every
hold is settled and every generation succeeds), polls each one again and fetches one output, then moves the
clock 8 days on (the outputs expire). The server's resident memory (VmRSS) is read before the first batch and
after each one. With `--max-rows` below the number of generations made, the mock forgets the oldest rows, so
from the second batch on the figure should stay flat; what still grows is the usage ledger (3 lines per
generation) and nothing else.

    .venv/bin/python bench/generations_memory.py                 # 3 batches of 1,000, rows kept: 1,000
    .venv/bin/python bench/generations_memory.py --batches 5 --max-rows 20000
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # `python bench/generations_memory.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import json
import shutil
import tempfile
import time

from bench.servers import LOAD_TEAM, BenchError, free_port, http_request, mock_command, running

JSON = {"Content-Type": "application/json"}
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError("no VmRSS in /proc (Linux only)")


def call(port: int, method: str, path: str, body: dict | None = None, key: str | None = None) -> dict:
    headers = {**JSON, **({"X-Api-Key": key} if key else {})}
    status, answer = http_request(port, method, path, headers=headers,
                                  body=json.dumps(body).encode() if body is not None else None)
    if not 200 <= status < 300:
        raise BenchError(f"{method} {path} answered {status}: {answer[:300]!r}")
    return json.loads(answer) if answer[:1] == b"{" else {}


def batch(port: int, key: str, size: int) -> None:
    ids = [call(port, "POST", "/v1/images", {"prompt": "a lighthouse at dawn"}, key)["id"] for _ in range(size)]
    for generation_id in ids:
        call(port, "GET", f"/v1/images/{generation_id}", key=key)
    call(port, "POST", "/__mock/clock/advance", {"seconds": 31})
    last = {}
    for generation_id in ids:
        last = call(port, "GET", f"/v1/images/{generation_id}", key=key)
        if last["status"] != "succeeded":
            raise BenchError(f"{generation_id} is {last['status']} after 31 s")
    output = last["output_urls"][0].split(str(port), 1)[1]
    status, _ = http_request(port, "GET", output)
    if status != 200:
        raise BenchError(f"the output answered {status}")
    call(port, "POST", "/__mock/clock/advance", {"seconds": 8 * 24 * 3600})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--size", type=int, default=1000, help="generations per batch")
    parser.add_argument("--max-rows", type=int, default=1000, help="fixtures' retention.max_rows for this run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        fixtures = Path(scratch) / "fixtures"
        shutil.copytree(FIXTURES, fixtures)
        rules = (fixtures / "generations.yaml").read_text()
        (fixtures / "generations.yaml").write_text(rules.replace("max_rows: 20000", f"max_rows: {args.max_rows}"))
        port = free_port()
        with running("mock", [*mock_command(port), "--fixtures", str(fixtures)], port, Path(scratch)) as server:
            server.wait_ready("/__mock/health")
            key = call(port, "POST", "/__mock/teams", LOAD_TEAM)["api_key"]
            call(port, "GET", "/v1/team", key=key)
            figures = [("start", rss_kib(server.process.pid), 0.0)]
            for number in range(1, args.batches + 1):
                started = time.perf_counter()
                batch(port, key, args.size)
                figures.append((f"after batch {number}", rss_kib(server.process.pid), time.perf_counter() - started))
    print(f"{args.batches} batches of {args.size} image generations, rows kept: {args.max_rows}")
    for label, kib, seconds in figures:
        took = f"  ({seconds:.1f} s)" if seconds else ""
        print(f"  {label:<16} RSS {kib / 1024:7.1f} MiB{took}")
    growth = (figures[-1][1] - figures[1][1]) / 1024
    print(f"  growth after the first batch: {growth:+.1f} MiB over {args.batches - 1} more batch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
