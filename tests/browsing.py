"""Test helpers for exploring a crawl: a real crawl of the fixture web, Datasette started by
`make browse` on a free loopback port, and a JSON client that never uses a proxy."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fixtureweb import load_manifest
from fixtureweb.crawl import REPO
from fixtureweb.loopback import free_port

MANIFEST = load_manifest()
# Straight to loopback: the environment may name a proxy for the fixture web.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, timeout: float = 20) -> bytes:
    with _OPENER.open(url, timeout=timeout) as resp:
        return resp.read()


def get_json(url: str) -> Any:
    return json.loads(get(url))


def q(text: str) -> str:
    return quote(text, safe="")


@contextlib.contextmanager
def datasette(db_path: Path, startup: float = 60, **make_vars: str) -> Iterator[str]:
    """Run `make browse` over db_path; yield its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    # The venv is set up already (-o: treat its stamp as up to date); a parent `make test`
    # must not hand its jobserver flags down.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "browse",
         f"BROWSE_DB={db_path}", f"BROWSE_PORT={port}",
         *(f"{k}={v}" for k, v in make_vars.items())],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"datasette exited {proc.returncode}: {proc.stdout.read()}")
            try:
                get(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
