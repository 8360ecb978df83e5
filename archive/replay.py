"""Serve a crawl's archive with pywb on loopback, in a collection named ``reports``.

pywb runs as its own process from its own venv (see Makefile, ``.venv-pywb``), over a
configuration generated from archive/pywb/config.yaml into DATA_DIR/pywb/.  Replay only:
no live web, no recording, no proxy.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from archive.index import build_cdxj, tool

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
TEMPLATE = Path(__file__).with_name("pywb") / "config.yaml"
COLLECTION = "reports"


def timestamp(warc_date: str) -> str:
    """The 14-digit replay timestamp of a WARC-Date (2026-01-02T03:04:05.123456Z)."""
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


def replay_url(url: str, warc_date: str, base: str = "http://127.0.0.1:8090",
               mode: str = "") -> str:
    """Where pywb replays a capture; mode "id_" gives the archived bytes, "" the replay view."""
    return f"{base}/{COLLECTION}/{timestamp(warc_date)}{mode}/{url}"


def prepare(data_dir: Path, venv: str, work: Path | None = None) -> Path:
    """Index the WARCs into WORK/indexes and write WORK/pywb/config.yaml (WORK: DATA_DIR
    unless given); return that pywb directory."""
    data_dir = data_dir.resolve()
    work = (work or data_dir).resolve()
    index = build_cdxj(data_dir, venv, out_dir=work / "indexes")
    root = work / "pywb"
    root.mkdir(exist_ok=True)
    config = TEMPLATE.read_text(encoding="utf-8").format(index=index,
                                                         archive=data_dir / "warc")
    (root / "config.yaml").write_text(config, encoding="utf-8")
    return root


def _die_with(parent: int) -> Callable[[], None]:
    """A preexec_fn asking Linux to send the child SIGTERM when its parent dies, so a replay
    killed with SIGKILL (or by the OOM killer) does not leave pywb holding the port.  Its
    libc function is looked up before the fork: the child only makes the call."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_deathsig() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call took effect
            os._exit(1)
    return set_deathsig


def check_port_free(port: int) -> None:
    """Refuse a port something already listens on: pywb would fail to bind, and the other
    program would answer the readiness check in its place."""
    with socket.socket() as s:
        # As pywb binds: connections of an earlier server on the port, closed and waiting
        # out TIME_WAIT, do not keep it from listening there.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise RuntimeError(f"port {port} on 127.0.0.1 is in use ({exc.strerror}): "
                               "choose another with --port") from None


def _wait_ready(proc: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pywb exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"pywb did not answer on port {port} within {timeout}s")


@contextlib.contextmanager
def serving(data_dir: Path, port: int, venv: str, timeout: float = 60) -> Iterator[str]:
    """Run pywb on 127.0.0.1:port for the block; yields its base URL.  A DATA_DIR that cannot
    be written (an archived crawl on read-only media) is replayed all the same, its index
    and pywb's files in a temporary folder, removed at the end."""
    check_port_free(port)
    with contextlib.ExitStack() as stack:
        work = None
        if not _writable(data_dir):
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gzbg-replay-")))
            print(f"{data_dir} is read-only: the index and pywb's files go to {work}, removed "
                  "at the end", file=sys.stderr, flush=True)
        yield from _serve(prepare(data_dir, venv, work), port, venv, timeout)


def _writable(data_dir: Path) -> bool:
    return all(not path.exists() or os.access(path, os.W_OK)
               for path in (data_dir, data_dir / "indexes", data_dir / "pywb"))


def _serve(root: Path, port: int, venv: str, timeout: float) -> Iterator[str]:
    log = root / "pywb.log"
    with open(log, "wb") as out:
        # Its own session: Ctrl-C reaches the command, which stops pywb in the finally below.
        proc = subprocess.Popen([str(tool(venv, "wayback")), "--bind", "127.0.0.1",
                                 "--port", str(port)], cwd=root, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_die_with(os.getpid()))
    try:
        _wait_ready(proc, port, log, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
