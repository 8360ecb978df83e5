"""An archived crawl on read-only media is packaged (`scrapy wacz -o` elsewhere) and replayed
(its index in a temporary folder), with nothing written into its DATA_DIR."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

from fixtureweb.crawl import REPO
from fixtureweb.loopback import free_port
from tests.archive.test_replay import SCRAPY, archived_reports, get
from tests.archive.test_replay_damaged import good, replaying
from tests.faultcrawl import tmpfs

__all__ = ["good"]  # the module-scoped crawl, shared with test_replay_damaged


@contextlib.contextmanager
def read_only(good: Path, mnt: Path) -> Iterator[Path]:
    """A copy of the crawl's warc/ and reports.db on a tmpfs remounted read-only (skipped
    where mounting is refused)."""
    with tmpfs(mnt, "64m"):
        shutil.copytree(good / "warc", mnt / "warc")
        shutil.copy(good / "reports.db", mnt / "reports.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_wacz_packages_a_read_only_crawl_elsewhere(good, tmp_path):
    with read_only(good, tmp_path / "ro") as data:
        before = listing(data)
        out = tmp_path / "out.wacz"
        proc = subprocess.run([SCRAPY, "wacz", "-s", f"DATA_DIR={data}", "-o", str(out)],
                              cwd=REPO, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert listing(data) == before
    with zipfile.ZipFile(out) as z:
        assert "pages/pages.jsonl" in z.namelist()


def test_replay_serves_a_read_only_crawl(good, tmp_path):
    with read_only(good, tmp_path / "ro") as data:
        before = listing(data)
        port = free_port()
        with replaying(data, port, tmp_path / "stderr") as proc:
            for url, (stamp, payload) in archived_reports(good).items():
                status, _, body = get(f"http://127.0.0.1:{port}/reports/{stamp}id_/{url}",
                                      gzip_ok=True)
                assert status == 200 and body == payload, url
            assert proc.poll() is None
        said = (tmp_path / "stderr").read_text()
        assert "is read-only: the index and pywb's files go to " in said, said
        assert "Traceback" not in said
        assert listing(data) == before
