"""Damage cdxj-indexer reads past (a .warc.gz cut mid-member, a record shorter than its
header, an ARC length that is no number) is named: `scrapy wacz` refuses or leaves the file
out, replay names it; and a package failing validation never replaces the earlier one."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive import wacz
from archive.index import build_cdxj, read_damage, tool
from fixtureweb.crawl import REPO
from tests.archive.test_replay_damaged import DEADLINE, VENV, data_dir, good, scrapy_wacz
from tests.shared import CORPUS

__all__ = ["good"]  # the module-scoped crawl, shared with test_replay_damaged

WARCIO = CORPUS / "warc" / "warcio" / "test" / "data"
CORPUS_DAMAGED = ("example-trunc.warc", "bad.arc")


def cut_copy(good: Path) -> dict[str, bytes]:
    """A crawl WARC cut in its middle (inside a gzip member: `gzip -t` fails on it)."""
    whole = next((good / "warc").glob("*.warc.gz")).read_bytes()
    return {"cut.warc.gz": whole[:len(whole) // 2]}


def damaged_files(good: Path) -> dict[str, bytes]:
    files = cut_copy(good)
    files.update({name: (WARCIO / name).read_bytes() for name in CORPUS_DAMAGED})
    return files


def packaged(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as z:
        return {n.removeprefix("archive/") for n in z.namelist() if n.startswith("archive/")}


def test_the_cut_file_fails_gzip_and_is_damaged(good, tmp_path):
    data = data_dir(tmp_path, cut_copy(good))
    cut = data / "warc" / "cut.warc.gz"
    assert subprocess.run(["gzip", "-t", str(cut)], capture_output=True).returncode != 0
    assert read_damage(cut)
    for warc in (good / "warc").glob("*.warc.gz"):
        assert read_damage(warc) is None
    for name in CORPUS_DAMAGED:
        assert read_damage(WARCIO / name), name


def test_scrapy_wacz_refuses_damaged_files_and_keeps_the_earlier_package(good, tmp_path):
    files = damaged_files(good)
    data = data_dir(tmp_path, files, good)
    earlier = data / "reports.wacz"
    earlier.write_bytes(b"an earlier package")
    proc = scrapy_wacz(data)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith(f"scrapy wacz: {len(files)} damaged WARC files"), last
    assert all(name in last for name in files), last
    assert "Traceback" not in proc.stderr + proc.stdout
    assert earlier.read_bytes() == b"an earlier package"
    assert {p.name for p in data.iterdir() if p.is_file()} == {"reports.wacz"}


def test_scrapy_wacz_allow_damaged_leaves_them_out(good, tmp_path):
    files = damaged_files(good)
    data = data_dir(tmp_path, files, good)
    proc = scrapy_wacz(data, "--allow-damaged")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wacz validate: passed" in proc.stdout
    named = [line for line in proc.stderr.splitlines() if line.startswith("damaged: ")]
    assert sorted(line.split(":")[1].strip() for line in named) == sorted(files)
    assert packaged(data / "reports.wacz") == {p.name for p in (good / "warc").glob("*.warc.gz")}


def test_replay_index_names_the_cut_file_and_keeps_the_good_ones(good, tmp_path):
    files = damaged_files(good)
    data = data_dir(tmp_path, files, good)
    warned: list[str] = []
    index = build_cdxj(data, VENV, warned.append).read_text()
    named = sorted(line.split(":")[1].strip() for line in warned)
    assert named == sorted(files), warned
    for line in build_cdxj(good, VENV).read_text().splitlines():
        assert line in index
    # Reused index: the same files named again, without indexing.
    again: list[str] = []
    build_cdxj(data, VENV, again.append)
    assert again == warned


def failing_validator(venv: Path) -> Path:
    """A pywb venv whose `wacz validate` fails (py-wacz's own create and indexer run)."""
    real = tool(VENV, "wacz").parent
    (venv / "bin").mkdir(parents=True)
    for name in ("cdxj-indexer", "python"):
        (venv / "bin" / name).symlink_to(real / name)
    script = venv / "bin" / "wacz"
    script.write_text(f'#!/bin/sh\nif [ "$1" = validate ]; then\n'
                      f'  echo "Traceback (most recent call last):"; echo "  File x"\n'
                      f'  echo "EOFError: Compressed file ended"; exit 1\nfi\n'
                      f'exec "{real / "wacz"}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return venv


def test_a_package_failing_validation_replaces_nothing(good, tmp_path):
    venv = failing_validator(tmp_path / "venv")
    data = data_dir(tmp_path / "data", {}, good)
    earlier = data / "reports.wacz"
    earlier.write_bytes(b"an earlier package")
    with pytest.raises(wacz.InvalidPackage):
        wacz.create(data, str(venv), say=lambda line: None)
    assert earlier.read_bytes() == b"an earlier package"
    proc = subprocess.run([str(Path(sys.executable).with_name("scrapy")), "wacz",
                           "-s", f"DATA_DIR={data}", "-s", f"WARC_PYWB_VENV={venv}"],
                          cwd=REPO, capture_output=True, text=True, timeout=DEADLINE * 5)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("scrapy wacz: the package fails `wacz validate` (EOFError"), last
    assert "Traceback" not in proc.stderr
    assert earlier.read_bytes() == b"an earlier package"
    assert {p.name for p in data.iterdir() if p.is_file()} == {"reports.wacz"}
    shutil.rmtree(venv)
