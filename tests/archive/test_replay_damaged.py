"""`scrapy replay` and `scrapy wacz` over WARC files that cdxj-indexer fails on: the files it
can index are served (or packaged) and each other one is named; replay's pywb goes down with
the command, even after kill -9."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive import wacz
from archive.index import MESSAGE_CHARS, NothingIndexed, build_cdxj, indexer_message
from fixtureweb.crawl import REPO, crawl_fixture_web
from fixtureweb.loopback import free_port
from tests.archive.test_replay import NO_PROXY, SCRAPY, archived_reports, get

VENV = ".venv-pywb"
DEADLINE = 60  # seconds: generous, for a loaded machine


def bad_date_record() -> bytes:
    """A well-formed gzip member holding a response whose WARC-Date is not a date."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"
    head = (b"WARC/1.1\r\nWARC-Type: response\r\n"
            b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
            b"WARC-Date: not a date\r\nWARC-Target-URI: http://example.gov.cn/x.html\r\n"
            b"Content-Type: application/http; msgtype=response\r\n"
            b"Content-Length: " + str(len(http)).encode() + b"\r\n\r\n")
    return gzip.compress(head + http + b"\r\n\r\n")


# Zeros, fewer than a zero-filled region's (caught before the indexer, see
# tests/archive/test_zero_regions.py), and a record the indexer cannot date.
DAMAGED = {"zeros.warc.gz": b"\x00" * 60_000, "baddate.warc.gz": bad_date_record()}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("good")
    crawl_fixture_web(data)
    return data


def data_dir(data: Path, files: dict[str, bytes], good: Path | None = None) -> Path:
    """data with a warc folder of files (and good's WARCs)."""
    (data / "warc").mkdir(parents=True)
    for warc in (good / "warc").glob("*.warc.gz") if good else ():
        shutil.copy(warc, data / "warc" / warc.name)
    for name, content in files.items():
        (data / "warc" / name).write_bytes(content)
    return data


@contextlib.contextmanager
def replaying(data: Path, port: int, stderr: Path) -> Iterator[subprocess.Popen[str]]:
    """`scrapy replay` on port, started and answering; SIGTERM (then SIGKILL) at the end."""
    with open(stderr, "w") as err:
        proc = subprocess.Popen([SCRAPY, "replay", "-s", f"DATA_DIR={data}", "--port", str(port)],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once pywb answers
        assert line.startswith("pywb replaying"), line + stderr.read_text()
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_the_files_that_index_are_served_and_the_others_named(good, tmp_path):
    data = data_dir(tmp_path / "data", DAMAGED, good)
    port = free_port()
    with replaying(data, port, tmp_path / "stderr") as proc:
        indexing, *damaged = (tmp_path / "stderr").read_text().splitlines()
        assert indexing.startswith("indexing ") and indexing.endswith("for replay…"), indexing
        for url, (stamp, payload) in archived_reports(good).items():
            status, _, body = get(f"http://127.0.0.1:{port}/reports/{stamp}id_/{url}",
                                  gzip_ok=True)
            assert status == 200 and body == payload, url
        assert proc.poll() is None
    assert sorted(line.split(":")[1].strip() for line in damaged) == sorted(DAMAGED)
    assert all(line.startswith("damaged: ") and "cdxj-indexer:" in line for line in damaged)
    assert all(len(line) < MESSAGE_CHARS + 200 for line in damaged)  # not 60 KB of zeros
    assert "Traceback" not in "".join(damaged)


def test_nothing_to_index_is_one_error_line(tmp_path):
    data = data_dir(tmp_path, DAMAGED)
    proc = subprocess.run([SCRAPY, "replay", "-s", f"DATA_DIR={data}", "--port",
                           str(free_port())], cwd=REPO, capture_output=True, text=True,
                          timeout=DEADLINE * 2)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert [n for n in DAMAGED if any(n in line for line in lines[:-1])] == list(DAMAGED)
    assert lines[-1].startswith("scrapy replay: error: none of the 2 WARC files")
    assert "Traceback" not in proc.stderr and "pywb replaying" not in proc.stdout


def test_the_index_is_the_good_files_index(good, tmp_path):
    """With a damaged file among them, the index lists exactly what the good files' does."""
    whole = build_cdxj(good, VENV).read_text()
    warned: list[str] = []
    data = data_dir(tmp_path, DAMAGED, good)
    assert build_cdxj(data, VENV, warned.append).read_text() == whole
    assert len(warned) == len(DAMAGED)


def test_wacz_packages_the_files_that_index_when_allowed(good, tmp_path):
    warned: list[str] = []
    data = data_dir(tmp_path, DAMAGED, good)
    out, _, left_out = wacz.create(data, VENV, warn=warned.append, allow_damaged=True)
    assert wacz.validate(out, VENV)[0]
    with zipfile.ZipFile(out) as z:
        packaged = {n.removeprefix("archive/") for n in z.namelist() if n.startswith("archive/")}
    assert packaged == {p.name for p in (good / "warc").glob("*.warc.gz")}
    assert sorted(line.split(":")[1].strip() for line in warned) == sorted(DAMAGED)
    assert sorted(left_out) == sorted(DAMAGED)


def scrapy_wacz(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "wacz", "-s", f"DATA_DIR={data}", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=DEADLINE * 5)


def test_scrapy_wacz_with_damaged_files_fails_and_names_them(good, tmp_path):
    """A package missing part of the archive is no success: exit 1, no package (an earlier
    one stays), each damaged file named."""
    data = data_dir(tmp_path, DAMAGED, good)
    earlier = data / "reports.wacz"
    earlier.write_bytes(b"an earlier package")
    proc = scrapy_wacz(data)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("scrapy wacz: 2 damaged WARC files") and "--allow-damaged" in last
    assert all(name in last for name in DAMAGED), last
    assert "Traceback" not in proc.stderr
    assert earlier.read_bytes() == b"an earlier package"
    assert {p.name for p in data.iterdir() if p.is_file()} == {"reports.wacz"}  # no leftovers


def test_scrapy_wacz_allow_damaged_writes_the_rest(good, tmp_path):
    data = data_dir(tmp_path, DAMAGED, good)
    proc = scrapy_wacz(data, "--allow-damaged")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wacz validate: passed" in proc.stdout
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("left out (--allow-damaged): 2 damaged WARC files")
    assert all(name in last for name in DAMAGED), last
    with zipfile.ZipFile(data / "reports.wacz") as z:
        packaged = {n.removeprefix("archive/") for n in z.namelist() if n.startswith("archive/")}
    assert packaged == {p.name for p in (good / "warc").glob("*.warc.gz")}


def test_wacz_of_nothing_indexable_keeps_the_earlier_package(tmp_path):
    data = data_dir(tmp_path, DAMAGED)
    earlier = data / "reports.wacz"
    earlier.write_bytes(b"an earlier package")
    with pytest.raises(NothingIndexed):
        wacz.create(data, VENV, warn=lambda line: None, allow_damaged=True)
    assert earlier.read_bytes() == b"an earlier package"
    assert {p.name for p in data.iterdir() if p.is_file()} == {"reports.wacz"}  # no leftovers


def test_scrapy_wacz_of_only_damaged_files_fails_as_damage(tmp_path):
    # The same damage as one file among good ones (exit 1), not a bad argument (exit 2).
    data = data_dir(tmp_path, DAMAGED)
    for args in ((), ("--allow-damaged",)):
        proc = scrapy_wacz(data, *args)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert proc.stderr.splitlines()[-1].startswith("scrapy wacz: "), proc.stderr
        assert "Traceback" not in proc.stderr


def test_indexer_message_is_the_exception_on_one_line():
    stderr = ("Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
              "    raise ArchiveLoadFailed(msg)\nwarcio.exceptions.ArchiveLoadFailed: \n"
              "    ERROR: non-chunked gzip file detected\n\n    run warcio recompress\n")
    assert indexer_message(stderr) == ("warcio.exceptions.ArchiveLoadFailed: ERROR: non-chunked "
                                       "gzip file detected run warcio recompress")
    long = indexer_message("ValueError: " + "\x00" * 10_000)
    assert long.startswith("ValueError: \\x00") and len(long) == MESSAGE_CHARS + 1
    assert indexer_message("") == "no message"


def children(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The command name in parentheses may hold spaces: the fields after it are fixed.
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_pywb_goes_down_with_the_command(good, tmp_path, sig):
    port = free_port()
    with replaying(good, port, tmp_path / "stderr") as proc:
        (wayback,) = children(proc.pid)
        assert "wayback" in Path(f"/proc/{wayback}/cmdline").read_text()
        proc.send_signal(sig)
        proc.wait(timeout=DEADLINE)
    deadline = time.monotonic() + DEADLINE
    while alive(wayback) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(wayback):
        os.kill(wayback, signal.SIGKILL)
        pytest.fail(f"pywb ({wayback}) still running {DEADLINE}s after its command got {sig!r}")
    with pytest.raises(OSError):  # and nothing listens on the port
        NO_PROXY.open(f"http://127.0.0.1:{port}/", timeout=2)


def test_an_index_of_the_same_files_is_reused_and_its_damage_named_again(good, tmp_path):
    data = data_dir(tmp_path, DAMAGED, good)
    said: list[str] = []
    warned: list[str] = []
    index = build_cdxj(data, VENV, warned.append, said.append)
    built = index.stat().st_mtime_ns, index.read_text()
    assert said[-1].startswith("indexing ") and len(warned) == len(DAMAGED)
    assert build_cdxj(data, VENV, warned.append, said.append) == index
    assert said[-1].endswith("is reused: none changed")
    assert (index.stat().st_mtime_ns, index.read_text()) == built
    assert warned[len(DAMAGED):] == warned[:len(DAMAGED)]
    # A file written since (here: its time changed) is indexed again; so is a new one.
    changed = next((data / "warc").glob("*.warc.gz"))
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1))
    build_cdxj(data, VENV, warned.append, said.append)
    assert said[-1].startswith("indexing ")
    shutil.copy(changed, data / "warc" / f"copy-{changed.name}")
    build_cdxj(data, VENV, warned.append, said.append)
    assert said[-1].startswith(f"indexing {len(list((data / 'warc').glob('*.warc.gz')))} ")
    # An unreadable record of what was indexed: indexed again.
    (index.parent / f"{index.name}.sources.json").write_text("{", encoding="utf-8")
    build_cdxj(data, VENV, warned.append, said.append)
    assert said[-1].startswith("indexing ")
    build_cdxj(data, VENV, warned.append, said.append)
    assert said[-1].endswith("is reused: none changed")
