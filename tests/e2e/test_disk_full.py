"""The disk fills during a crawl (issue 17): the crawl stops loudly, loses nothing, resumes.

A real tmpfs, too small for the crawl, is mounted under the test's directory (root is
needed; the tests are skipped where mounting is refused).  The archive's disk and the
database's disk are filled in turn.  The crawl must exit non-zero with a finish reason that
says which write failed, leave every WARC whole and every stored page archived, and not mark
its JOBDIR done; once the filesystem is made bigger, the same command with the same JOBDIR
fetches exactly what was not kept, and the two runs together equal one uninterrupted crawl.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.archiver import Archiver, DigestIndexError
from archive.dedup import DigestIndex
from archive.warcfile import OPEN_SUFFIX, RotatingWarcWriter
from fixtureweb.crawl import crawl
from fixtureweb.demo import warc_check
from tests.archive.test_warc_writer import exchange
from tests.faultcrawl import (
    START,
    check_archive,
    check_complete,
    exit_code,
    marker,
    resize,
    start_crawl,
    tmpfs,
)


def crawl_job(web, data: Path, jobdir: Path, *settings: str):
    args = ["-s", f"JOBDIR={jobdir}", "-a", f"start_urls={START}"]
    for setting in settings:
        args += ["-s", setting]
    proc = crawl(data, web.proxy_url, *args)
    runs = len(list(jobdir.parent.glob("run-*.log")))
    (jobdir.parent / f"run-{runs + 1}.log").write_text(proc.stderr)  # kept for a failure
    return proc


def fill_then_resume(web, reference: set[str], full: Path, data: Path, jobdir: Path,
                     db_path: Path, reason: str, *settings: str) -> None:
    """Crawl until `full` (a tmpfs) is full, check the stop, make it bigger, resume."""
    proc = crawl_job(web, data, jobdir, *settings)
    assert proc.returncode != 0, proc.stderr[-3000:]
    assert f"Spider closed ({reason})" in proc.stderr
    assert marker(jobdir)["running"], "the JOBDIR was marked done"
    db = check_archive(data / "warc", db_path)
    kept = db.execute("select count(*) from pages").fetchone()[0]
    db.close()
    assert 0 < kept < len(reference), "the disk did not fill mid-crawl"

    resize(full, "64m")
    proc = crawl_job(web, data, jobdir, *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "frontier is rebuilt" in proc.stderr
    assert not marker(jobdir)["running"]
    check_complete(data / "warc", db_path, reference).close()


def test_archive_disk_fills(web, reference, tmp_path):
    """The WARC files' disk fills: the write fails, is cut off, and the crawl stops."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db_path = elsewhere / "reports.db"
    with tmpfs(tmp_path / "small", "256k") as full:
        fill_then_resume(web, reference, full, full / "data", tmp_path / "job", db_path,
                         "archive_write_failed", f"SQLITE_PATH={db_path}",
                         f"WARC_DEDUP_PATH={elsewhere / 'digests.db'}")


def test_database_disk_fills(web, reference, tmp_path):
    """The database's disk fills: the page is not stored, and the crawl stops."""
    with tmpfs(tmp_path / "small", "2m") as full:
        db_path = full / "reports.db"
        fill_then_resume(web, reference, full, tmp_path / "data", tmp_path / "job", db_path,
                         "store_write_failed", f"SQLITE_PATH={db_path}")


def test_one_disk_for_everything_fills(web, reference, tmp_path):
    """DATA_DIR on one small disk, as a new user would have it: whichever write fails
    first stops the crawl."""
    with tmpfs(tmp_path / "small", "1m") as full:
        data = full / "data"
        proc = crawl_job(web, data, tmp_path / "job")
        assert proc.returncode != 0, proc.stderr[-3000:]
        assert ("Spider closed (archive_write_failed)" in proc.stderr
                or "Spider closed (store_write_failed)" in proc.stderr)
        check_archive(data / "warc", data / "reports.db").close()
        resize(full, "64m")
        proc = crawl_job(web, data, tmp_path / "job")
        assert proc.returncode == 0, proc.stderr[-3000:]
        check_complete(data / "warc", data / "reports.db", reference).close()


def test_a_failed_append_is_cut_off_and_later_appends_stay_whole(tmp_path):
    """Disk full, then space freed while the same file is still being written: the failed
    append leaves nothing behind, and what is written after it is whole."""
    with tmpfs(tmp_path / "small", "128k") as full:
        filler = full / "filler"
        filler.write_bytes(os.urandom(48 * 1024))
        archiver = Archiver(RotatingWarcWriter(full / "warc", "t", 1 << 30, {}), None)
        written, failures, size = [], 0, 0
        for i in range(40):
            try:
                fetch = archiver.write_exchange(exchange(os.urandom(6000), f"http://a.cn/{i}"))
            except OSError:
                failures += 1
                # Cut back to where the failed exchange began: the end of the last whole one.
                [open_file] = (full / "warc").iterdir()
                assert open_file.stat().st_size == size
                filler.unlink(missing_ok=True)  # space freed after the first failure
                continue
            written.append({**fetch, "url": f"http://a.cn/{i}"})
            [open_file] = (full / "warc").iterdir()
            size = open_file.stat().st_size
        assert failures >= 2, "the disk did not fill twice"
        assert written and written[-1]["url"] != f"http://a.cn/{len(written) - 1}", \
            "nothing was written after space was freed"
        archiver.close()
        [path] = (full / "warc").glob("*.warc.gz")
        assert warc_check(full / "warc") == []
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            responses = {it.get_record_offset(): rec.rec_headers.get_header("WARC-Target-URI")
                         for rec in it if rec.rec_type == "response"}
        assert responses == {w["warc_offset"]: w["url"] for w in written}


def test_an_exchange_whose_digest_cannot_be_indexed_is_taken_back(tmp_path):
    """Records kept without their digest would be archived in full again on a refetch."""
    with tmpfs(tmp_path / "small", "256k") as full:
        index = DigestIndex(full / "digests.db")
        archiver = Archiver(RotatingWarcWriter(tmp_path / "warc", "t", 1 << 30, {}), index)
        first = archiver.write_exchange(exchange(b"<p>one</p>", "http://a.cn/1"))
        [path] = (tmp_path / "warc").iterdir()
        size = path.stat().st_size
        filler = full / "filler"
        with open(filler, "wb", buffering=0) as fh, contextlib.suppress(OSError):
            while True:  # fill the index's disk to the last byte
                fh.write(os.urandom(4096))
        with pytest.raises(DigestIndexError):
            for i in range(2, 50):  # until the index's log needs a page more
                archiver.write_exchange(exchange(f"<p>{i}</p>".encode(), f"http://a.cn/{i}"))
                size = path.stat().st_size
        assert path.stat().st_size == size  # the failed exchange's records are gone
        filler.unlink()
        archiver.close()
    assert warc_check(tmp_path / "warc") == []
    with open(tmp_path / "warc" / path.name.removesuffix(OPEN_SUFFIX), "rb") as fh:
        uris = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                if r.rec_type == "response"]
    assert uris[0] == "http://a.cn/1" and first["warc_offset"] > 0
    assert len(uris) == len(set(uris))


def test_no_room_to_create_the_database(web, tmp_path):
    """The disk fills while the database is created: the crawl fails at its start, with one
    ERROR line and exit code 1, where the failed start left a half-open crawl whose close
    crashed (CoreStats, SpiderState, the store) and a process that ignored every signal."""
    jobdir, log = tmp_path / "job", tmp_path / "crawl.log"
    with tmpfs(tmp_path / "small", "48k") as full:
        proc = start_crawl(tmp_path / "data", web.proxy_url, log, "-s", f"JOBDIR={jobdir}",
                           "-s", f"SQLITE_PATH={full / 'reports.db'}",
                           "-a", f"start_urls={START}")
        code = exit_code(proc)
    text = log.read_text()
    assert code == 1, text[-3000:]
    errors = [line for line in text.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "disk is full" in errors[0], text[-3000:]
    assert "Traceback" not in text
    assert "Spider closed (store_write_failed)" in text
    assert marker(jobdir)["running"], "the JOBDIR was marked done"
