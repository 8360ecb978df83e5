"""What the commands tell a first-time user: where a crawl's files went, the format `-o`'s
name asks for, and a Redis that does not answer as one line before anything starts."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.commands.crawl import where_it_went
from fixtureweb.crawl import REPO, SCRAPY, crawl
from fixtureweb.loopback import free_port
from fixtureweb.server import Running
from tests.crawler.test_cli_errors import one_line_error, scrapy


@pytest.fixture(scope="module")
def crawled(web: Running, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One fixture site crawled: its DATA_DIR and the crawl's log."""
    data = tmp_path_factory.mktemp("crawl") / "data dir"  # a space: the command is quoted
    proc = crawl(data, web.proxy_url, "-a", "start_urls=http://www.beipiao.gov.cn/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data, proc.stderr


def test_the_crawl_ends_naming_its_files_and_the_summary_command(crawled):
    data, log = crawled
    last = log.strip().splitlines()[-1]
    assert f"WARC files in {data / 'warc'}" in last, last
    assert f"database {data / 'reports.db'}" in last, last
    command = last.split("what was found: ", 1)[1]
    assert command == f"scrapy summary -s DATA_DIR='{data}'"
    # The command as printed works.
    proc = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True,
                          timeout=120,
                          env={**os.environ, "PATH": f"{Path(SCRAPY).parent}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    assert "reports found: 1" in proc.stdout


def test_crawl_help_names_the_arguments_and_where_it_writes():
    out = " ".join(scrapy("crawl", "-h").stdout.split())
    for words in ("-a start_urls=", "-a sites=", "-a region=", "-s DATA_DIR=", "-s JOBDIR="):
        assert words in out, out


def test_a_stopped_jobdir_crawl_says_how_to_go_on(tmp_path):
    settings = Settings({"DATA_DIR": str(tmp_path), "JOBDIR": str(tmp_path / "job"),
                         "WARC_ENABLED": True, "SQLITE_ENABLED": True,
                         "SQLITE_PATH": str(tmp_path / "other.db")})
    stopped = where_it_went(settings, "shutdown")
    assert f"-s SQLITE_PATH={tmp_path / 'other.db'}" in stopped
    assert "goes on where this one stopped" in stopped
    assert "goes on" not in where_it_went(settings, "finished")


@pytest.mark.parametrize("name, start", [
    ("reports.csv", b"id,page_id,"),
    ("reports.CSV", b"id,page_id,"),
    ("reports.parquet", b"PAR1"),
    ("reports.jsonl", b'{"id": '),
    ("reports", b'{"id": '),  # a name without a suffix: jsonl, as before
])
def test_export_takes_the_format_from_the_output_name(crawled, tmp_path, name, start):
    data, _ = crawled
    out = tmp_path / name
    proc = scrapy("export", "-s", f"DATA_DIR={data}", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(start)


def test_export_format_given_wins_and_bom_means_csv(crawled, tmp_path):
    data, _ = crawled
    out = tmp_path / "reports.csv"
    proc = scrapy("export", "-s", f"DATA_DIR={data}", "--format", "jsonl", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["id"]
    proc = scrapy("export", "-s", f"DATA_DIR={data}", "--bom")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.lstrip("\ufeff").startswith("id,page_id,")


def test_push_starts_prints_its_one_line(redis_url):
    proc = scrapy("push_starts", "-s", f"REDIS_URL={redis_url}",
                  "-a", "start_urls=http://www.beipiao.gov.cn/", "--reset")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pushed "), proc.stdout
    assert proc.stderr == ""  # no Scrapy banner


def test_push_starts_for_no_such_spider_is_one_line(redis_url):
    proc = scrapy("push_starts", "-s", f"REDIS_URL={redis_url}", "nosuchspider")
    one_line_error(proc, "scrapy push_starts: error: no spider named 'nosuchspider'")


@pytest.mark.parametrize("command", [["push_starts"], ["crawl", "reports"]])
def test_a_redis_that_does_not_answer_is_one_line(tmp_path, command):
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"  # nothing listens there
    proc = scrapy(*command, "-s", f"REDIS_URL={url}", "-s", f"DATA_DIR={tmp_path}")
    one_line_error(proc, "no Redis answers there")
    assert "secret" not in proc.stderr
    assert not any(tmp_path.iterdir())  # nothing started, nothing written


@pytest.mark.parametrize("command", [["push_starts"], ["crawl", "reports"]])
def test_a_redis_url_redis_cannot_read_is_one_line(tmp_path, command):
    proc = scrapy(*command, "-s", "REDIS_URL=localhost:6379", "-s", f"DATA_DIR={tmp_path}")
    one_line_error(proc, "REDIS_URL=localhost:6379: Redis URL must specify")


def test_a_refused_crawl_says_why_in_its_log_file_too(tmp_path):
    # Scrapyd names each job's LOG_FILE; a job refused before logging starts had no log.
    log = tmp_path / "job.log"
    proc = scrapy("crawl", "reports", "-a", "sites=no-such-site", "-s", f"LOG_FILE={log}",
                  "-s", f"DATA_DIR={tmp_path / 'data'}")
    one_line_error(proc, "no site in the packaged crawler/sites.toml matches no-such-site")
    assert "ERROR: scrapy crawl: no site in the packaged crawler/sites.toml matches " \
        "no-such-site" in log.read_text(encoding="utf-8")


def test_extract_compares_with_the_crawls_database(crawled, tmp_path):
    data, _ = crawled
    con = sqlite3.connect(data / "reports.db")
    pages, = con.execute("select count(*) from pages").fetchone()
    refused, = con.execute("select count(*) from pages where status is null").fetchone()
    con.close()
    assert refused  # robots.txt refusals: rows no WARC file holds
    proc = scrapy("extract", "-s", f"DATA_DIR={data}", "--db", str(tmp_path / "re.db"))
    assert proc.returncode == 0, proc.stderr
    assert f"rebuilt {tmp_path / 're.db'}: {pages - refused} pages" in proc.stdout
    assert f"the crawl's database {data / 'reports.db'} has {pages} pages" in proc.stdout
    assert "requests that got no response" in proc.stdout
    # In place: the numbers of the database it replaced.
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    proc = scrapy("extract", "-s", f"DATA_DIR={copy}")
    assert proc.returncode == 0, proc.stderr
    assert f"the database it replaced had {pages} pages" in proc.stdout


def test_the_crawl_without_jobdir_warns_of_no_disabled_resume(crawled):
    # Resuming is off because no JOBDIR was given, as in most crawls: nothing to warn of.
    _, log = crawled
    assert "ResumeMiddleware" not in log


def test_a_recrawl_says_how_many_pages_were_unchanged(crawled, web, tmp_path):
    data, _ = crawled
    again = tmp_path / "again"
    shutil.copytree(data, again)
    proc = crawl(again, web.proxy_url, "-a", "start_urls=http://www.beipiao.gov.cn/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    finished = next(line for line in proc.stderr.splitlines() if "finished: " in line)
    unchanged = int(finished.split(" pages unchanged")[0].rsplit(", ", 1)[1])
    with sqlite3.connect(again / "reports.db") as con:
        stored = con.execute("select pages_unchanged from crawls order by id desc "
                             "limit 1").fetchone()[0]
    assert unchanged == stored > 0, finished
    # The summary adds up both crawls, and shows each: the recrawl's pages were unchanged.
    out = scrapy("summary", "-s", f"DATA_DIR={again}").stdout.splitlines()
    at = out.index("crawls: 2, newest first")
    assert out[at + 1].startswith("  #2 ") and f"{stored} unchanged" in out[at + 1], out
    assert out[at + 2].startswith("  #1 ") and " 0 unchanged" in out[at + 2], out


def test_summary_into_a_pipe_closed_early_is_no_traceback(crawled):
    data, _ = crawled
    proc = subprocess.run(f"{SCRAPY} summary -s DATA_DIR='{data}' | head -1", shell=True,
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("pages: "), proc.stdout
    assert proc.stderr == "", proc.stderr


def test_a_csv_for_excel_on_stdout_starts_with_a_bom(crawled):
    data, _ = crawled
    proc = subprocess.run([SCRAPY, "export", "-s", f"DATA_DIR={data}", "--bom"], cwd=REPO,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("\ufeff".encode()) and b"url" in proc.stdout.splitlines()[0]


def test_an_argument_error_names_the_command():
    proc = scrapy("export", "--format", "xlsx")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("scrapy export: error: argument --format")


@pytest.mark.parametrize("command", [["push_starts"], ["crawl", "reports"]])
def test_a_redis_url_that_cannot_be_parsed_is_one_line(tmp_path, command):
    # hostile-s9 F6: an unclosed IPv6 bracket was a ValueError traceback from urlsplit.
    proc = scrapy(*command, "-s", "REDIS_URL=redis://:secret@[::1/0",
                  "-s", f"DATA_DIR={tmp_path}")
    one_line_error(proc, "REDIS_URL=redis://***@[::1/0: Invalid IPv6 URL")
    assert "secret" not in proc.stderr
    assert not any(tmp_path.iterdir())


def test_a_feed_export_cut_short_by_a_full_disk_fails_the_crawl(crawled, web, tmp_path):
    # Scrapy logs a feed write that fails and goes on: the crawl must not say success.
    from tests.faultcrawl import tmpfs

    with tmpfs(tmp_path / "small", "8k") as small:
        feed = small / "out.jsonl"
        proc = crawl(tmp_path / "data", web.proxy_url, "-a",
                     "start_urls=http://www.beipiao.gov.cn/", "-o", str(feed))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "ERROR: the feed export could not be written whole (FileFeedStorage: 1)" \
        in proc.stderr, proc.stderr[-3000:]
    def reports(data: Path) -> int:
        with sqlite3.connect(data / "reports.db") as con:
            return con.execute("select count(*) from reports").fetchone()[0]

    assert reports(tmp_path / "data") == reports(crawled[0]) > 0  # the crawl itself is whole


def test_a_log_file_cut_short_by_a_full_disk_is_said_once_and_fails_the_crawl(crawled, web,
                                                                               tmp_path):
    from tests.faultcrawl import tmpfs

    with tmpfs(tmp_path / "small", "4k") as small:
        proc = crawl(tmp_path / "data", web.proxy_url, "-a",
                     "start_urls=http://www.beipiao.gov.cn/", "-s", f"LOG_FILE={small / 'c.log'}")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "--- Logging error ---" not in proc.stderr, proc.stderr[-3000:]
    said = [line for line in proc.stderr.splitlines() if "log file could not be written" in line]
    assert len(said) == 1 and "No space left on device" in said[0], proc.stderr[-3000:]

    def reports(data: Path) -> int:
        with sqlite3.connect(data / "reports.db") as con:
            return con.execute("select count(*) from reports").fetchone()[0]

    assert reports(tmp_path / "data") == reports(crawled[0]) > 0  # the crawl itself is whole


def test_a_feed_export_that_cannot_be_written_is_refused_before_the_crawl(web, tmp_path):
    folder = tmp_path / "out.jsonl"
    folder.mkdir()  # a folder where the feed file would go
    proc = crawl(tmp_path / "data", web.proxy_url, "-a",
                 "start_urls=http://www.beipiao.gov.cn/", "-o", str(folder))
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stderr.strip() == f"scrapy crawl: error: -o {folder}: {folder} is a folder"
    assert not (tmp_path / "data").exists()  # nothing started
