"""The whole harness, as CI runs it: `aurous-contract run --quick` against `aurous-mock serve`, both
subprocesses, over real HTTP, every row and every operation. It must pass, within 60 s, and never print
or write the key."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest
from conftest import DEFAULT_KEY

from contract.registry import all_checks

QUICK_LIMIT_S = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(name: str, module: str) -> list[str]:
    found = shutil.which(name)
    return [found] if found else [sys.executable, "-m", module]


def _lines(stream, sink: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        sink.put(line)
    sink.put(None)


@pytest.fixture(scope="module")
def mock_process() -> Iterator[str]:
    """`aurous-mock serve` in a subprocess, ready once uvicorn says it is listening."""
    port = _free_port()
    process = subprocess.Popen([*_command("aurous-mock", "mockserver"), "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    try:
        while True:
            line = output.get(timeout=20)
            assert line is not None, "aurous-mock serve exited before it was ready"
            if "Uvicorn running on" in line:
                break
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.live
def test_quick_run_against_the_mock_passes(mock_process, tmp_path):
    junit, report = tmp_path / "contract.xml", tmp_path / "contract.json"
    started = time.monotonic()
    done = subprocess.run([*_command("aurous-contract", "contract"), "run", "--base-url", mock_process, "--quick",
                           "--junit", str(junit), "--json", str(report)],
                          env={**os.environ, "AUROUS_API_KEY": DEFAULT_KEY}, capture_output=True, text=True,
                          timeout=180)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert elapsed <= QUICK_LIMIT_S, f"the quick profile took {elapsed:.0f} s"
    results = json.loads(report.read_text())["results"]
    assert {r["status"] for r in results} == {"passed"}, [r for r in results if r["status"] != "passed"]
    assert {r["row"] for r in results} == {c.row for c in all_checks()} | {"schema"}  # every row, nothing skipped
    suites = {suite.get("name"): suite for suite in ET.parse(junit).getroot()}
    assert set(suites) == {"behaviours", "schema"} and all(s.get("failures") == "0" for s in suites.values())
    assert "[  1/" in done.stderr and "passed" in done.stdout  # live progress, then the summary table
    for text in (done.stdout, done.stderr, junit.read_text(), report.read_text()):
        assert DEFAULT_KEY not in text and "al_live_" not in text
