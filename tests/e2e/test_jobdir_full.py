"""The JOBDIR's disk fills during a crawl (hostile-7 F7): the crawl stops, loses nothing,
resumes.

The JOBDIR is a real tmpfs too small for the crawl's request queue (root is needed; the test
is skipped where mounting is refused).  Scrapy's disk-queue push then failed inside the
engine's scheduling task: the request was dropped, the error was an asyncio "Task exception
was never retrieved" traceback, and the crawl hung with nothing left to fetch.  Now the crawl
must stop as for a full WARC or database disk (crawler/scheduler.py): exit code 1, a finish
reason and one ERROR line naming the JOBDIR, no traceback, no process left, the JOBDIR not
marked done; once the filesystem is made bigger, the same command with the same JOBDIR
fetches the rest, and the two runs together equal one uninterrupted crawl.
"""

from __future__ import annotations

from tests.faultcrawl import (
    START,
    check_archive,
    check_complete,
    exit_code,
    group_members,
    marker,
    resize,
    start_crawl,
    tmpfs,
)

# Room for the resume marker, the seen set and the queued requests of the first few dozen
# pages (the queue's files only grow during a run): the disk fills mid-crawl.
JOBDIR_SIZE = "64k"
DEADLINE = 300  # seconds: a loaded machine is slow, a hang never ends


def run(web, data, jobdir, log):
    proc = start_crawl(data, web.proxy_url, log, "-s", f"JOBDIR={jobdir}",
                       "-s", "CONCURRENT_REQUESTS=4", "-a", f"start_urls={START}")
    code = exit_code(proc, DEADLINE)
    assert group_members(proc.pid) == []
    return code, log.read_text()


def test_jobdir_disk_fills(web, reference, tmp_path):
    data = tmp_path / "data"
    with tmpfs(tmp_path / "small", JOBDIR_SIZE) as full:
        jobdir = full / "job"
        code, text = run(web, data, jobdir, tmp_path / "run-1.log")
        assert code == 1, text[-3000:]
        assert "Spider closed (jobdir_write_failed)" in text, text[-3000:]
        errors = [line for line in text.splitlines() if " ERROR: " in line]
        assert any(f"jobdir_write_failed: the JOBDIR {jobdir}" in line
                   and "No space left on device" in line for line in errors), errors
        assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]
        assert marker(jobdir)["running"], "the JOBDIR was marked done"
        db = check_archive(data / "warc", data / "reports.db")
        kept = db.execute("select count(*) from pages").fetchone()[0]
        db.close()
        assert 0 < kept < len(reference), "the JOBDIR did not fill mid-crawl"

        resize(full, "64m")
        code, text = run(web, data, jobdir, tmp_path / "run-2.log")
        assert code == 0, text[-3000:]
        assert "frontier is rebuilt" in text
        assert "Traceback" not in text, text[-3000:]
        assert not marker(jobdir)["running"]
    check_complete(data / "warc", data / "reports.db", reference).close()
