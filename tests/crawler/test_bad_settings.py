"""A setting, a path or a port the commands cannot use is one line `scrapy CMD: error: …` and
exit code 2 before anything starts, not a traceback (hostile-7 F2); values Scrapy accepts
still crawl.  Every case runs the real `scrapy` command."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from scrapy.settings import Settings, default_settings

from crawler.commands import RANGES, READ_AS_FLOAT, Range, _typed_defaults, setting_problem
from fixtureweb.crawl import REPO, SCRAPY, crawl
from fixtureweb.server import Running
from tests.shared import CORPUS

# Nothing listens there: a crawl that got past the checks would only fail to connect.
NOWHERE = "start_urls=http://127.0.0.1:1/"


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str], command: str, *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    # One line: no Scrapy log either, so no crawler (nor helper process) was started.
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"scrapy {command}: error: "), proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def not_a_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage, not SQLite\n" * 10)
    return path


def crawl_with(data: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    args = [a for s in settings for a in ("-s", s)]
    return scrapy("crawl", "reports", "-a", NOWHERE, "-s", f"DATA_DIR={data}", *args)


@pytest.mark.parametrize("setting, words", [
    ("CLEAN_WORKERS=abc", "CLEAN_WORKERS='abc' is not an integer"),
    ("CONCURRENT_REQUESTS=x", "CONCURRENT_REQUESTS='x' is not an integer"),
    ("DEPTH_LIMIT=", "DEPTH_LIMIT='' is not an integer"),
    # An integer setting takes no fraction, a count, size or duration nothing negative.
    ("CLEAN_WORKERS=1.5", "CLEAN_WORKERS='1.5' is not an integer"),
    ("DOWNLOAD_MAXSIZE=1.5", "DOWNLOAD_MAXSIZE='1.5' is not an integer"),
    ("DISCOVERY_MAX_PAGES=1e3", "DISCOVERY_MAX_PAGES='1e3' is not an integer"),
    ("RETRY_TIMES=-1", "RETRY_TIMES='-1' is not 0 or more"),
    ("DEPTH_LIMIT=-1", "DEPTH_LIMIT='-1' is not 0 or more"),
    ("CLEAN_WORKERS=-2", "CLEAN_WORKERS='-2' is not -1 or more"),  # -1 (per core) is the floor
    ("CLEAN_TIMEOUT=-3", "CLEAN_TIMEOUT='-3' is not 0 or more"),
    ("DOWNLOAD_DELAY=nan", "DOWNLOAD_DELAY='nan' is not a number"),
    ("CLUSTER_THRESHOLD=nan", "CLUSTER_THRESHOLD='nan' is not a number"),
    # Values in type but out of the declared range (RANGES): zeros that crawled nothing.
    ("CONCURRENT_ITEMS=0", "CONCURRENT_ITEMS='0' is not 1 or more"),
    ("CONCURRENT_REQUESTS_PER_DOMAIN=0", "CONCURRENT_REQUESTS_PER_DOMAIN='0' is not 1 or more"),
    ("DOWNLOAD_TIMEOUT=0", "DOWNLOAD_TIMEOUT='0' is not more than 0"),
    ("EXTRACT_WORKERS=0", "EXTRACT_WORKERS='0' is not 1 or more, or -1"),
    ("CLUSTER_THRESHOLD=1.5", "CLUSTER_THRESHOLD='1.5' is not 0 to 1"),
    ("ROBOTSTXT_MAX_BYTES=0", "ROBOTSTXT_MAX_BYTES='0' is not 512000 or more"),
    ("WARC_GZIP_LEVEL=2.5", "WARC_GZIP_LEVEL='2.5' is not an integer"),
    ("WARC_ENABLED=maybe", "WARC_ENABLED='maybe' is not true or false"),
    ("ROBOTSTXT_OBEY=yes", "ROBOTSTXT_OBEY='yes' is not true or false"),
    ("CLEAN_TIMEOUT=soon", "CLEAN_TIMEOUT='soon' is not a number"),
    ("DOWNLOAD_TIMEOUT=1m", "DOWNLOAD_TIMEOUT='1m' is not a number"),
])
def test_a_setting_of_the_wrong_type(tmp_path, setting, words):
    data = tmp_path / "data"
    one_line_error(crawl_with(data, setting), "crawl", words)
    assert not data.exists()


@pytest.mark.parametrize("setting, words", [
    ("SSRF_ALLOWED=10.0.0.1,999.1.1.1/99", "SSRF_ALLOWED: '999.1.1.1/99' is not a network"),
    ("SSRF_ALLOWED=host:abc", "SSRF_ALLOWED: 'host:abc' is not a host, host:port or network"),
    ("WARC_GZIP_LEVEL=99", "WARC_GZIP_LEVEL: 0 to 3 (ISA-L's levels), got 99"),
])
def test_a_value_its_component_refuses(tmp_path, setting, words):
    data = tmp_path / "data"
    one_line_error(crawl_with(data, setting), "crawl", words)
    assert not data.exists()  # no helper process started: nothing written


@pytest.mark.parametrize("command, args, words", [
    ("extract", ["-s", "CLEAN_TIMEOUT=soon"], "CLEAN_TIMEOUT='soon' is not a number"),
    ("summary", ["-s", "CLUSTER_ENABLED=perhaps"], "CLUSTER_ENABLED='perhaps' is not true"),
    ("replay", ["-s", "WARC_REPLAY_PORT=http"], "WARC_REPLAY_PORT='http' is not an integer"),
    ("wacz", ["-s", "WARC_MAX_SIZE=1.5"], "WARC_MAX_SIZE='1.5' is not an integer"),
])
def test_every_command_checks_the_settings(tmp_path, command, args, words):
    one_line_error(scrapy(command, "-s", f"DATA_DIR={tmp_path}", *args), command, words)


def test_settings_read_with_getfloat_take_any_number(monkeypatch):
    """READ_AS_FLOAT is exactly the int-default settings that Scrapy or the project reads with
    getfloat: each of those takes 1.5, every other int setting only integers."""
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    defaults = _typed_defaults()
    read = re.compile(r"""getfloat\(\s*["']([A-Z][A-Z0-9_]*)["']""")
    sources = [*Path(default_settings.__file__).parent.parent.rglob("*.py"),
               *(p for d in ("crawler", "archive", "pipelines") for p in (REPO / d).rglob("*.py"))]
    as_float = {name for path in sources for name in read.findall(path.read_text("utf-8"))}
    assert {n for n in as_float if type(defaults.get(n)) is int} == READ_AS_FLOAT
    for name in READ_AS_FLOAT:
        assert setting_problem(Settings({name: "1.5"})) is None


def test_signed_settings_and_defaults_pass(monkeypatch):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    assert setting_problem(settings) is None
    settings.setdict({"DEPTH_PRIORITY": "-1", "REDIRECT_PRIORITY_ADJUST": "-5",
                      "CLEAN_WORKERS": "-1", "DOWNLOAD_TIMEOUT": "0.5", "EXTRACT_WORKERS": "-1",
                      # Negatives Scrapy gives a meaning (hostile-s9 F1): type only.
                      "FEED_EXPORT_INDENT": "-1", "HTTPCACHE_EXPIRATION_SECS": "-1"},
                     priority="cmdline")
    assert setting_problem(settings) is None


def project_numbers() -> dict[str, int | float]:
    """The numeric settings crawler/settings.py adds to Scrapy's."""
    import crawler.settings as project

    return {name: value for name, value in vars(project).items()
            if name.isupper() and type(value) in (int, float) and not hasattr(default_settings, name)}


# Checked by their own command with its own message (crawl's check_values, replay).
CHECKED_BY_THEIR_COMMAND = {"WARC_GZIP_LEVEL", "WARC_REPLAY_PORT"}


def test_every_project_number_has_a_range_and_its_default_is_in_it(monkeypatch):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    ours = project_numbers()
    assert {"CLEAN_WORKERS", "SQLITE_BACKLOG", "CLUSTER_THRESHOLD"} <= set(ours)
    assert set(ours) - CHECKED_BY_THEIR_COMMAND <= set(RANGES)
    defaults = _typed_defaults()
    for name, allowed in RANGES.items():
        assert type(defaults.get(name)) in (int, float), f"{name}: no numeric setting"
        assert defaults[name] in allowed, name


@pytest.mark.parametrize("allowed, inside, outside", [
    (Range(1), [1, 10**9], [0, -1, 0.5]),
    (Range(0, above=True), [0.001, 5], [0, -0.1]),
    (Range(0, 1), [0, 0.5, 1], [-0.1, 1.01]),
    (Range(1, also=-1), [-1, 1, 8], [0, -2]),
])
def test_a_range_holds_its_values(allowed, inside, outside):
    assert all(v in allowed for v in inside)
    assert not any(v in allowed for v in outside)


def test_the_ranges_table_of_the_docs_is_the_code_s():
    text = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    section = text.split("## What a value may be", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for row in re.findall(r"^\| (?!range |---)(.+?) \| (.+) \|$", section, re.M):
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row[1]):
            documented[name] = row[0]
    assert documented == {name: str(allowed) for name, allowed in RANGES.items()}


@pytest.mark.parametrize("command", [["crawl", "reports", "-a", NOWHERE], ["summary"]])
def test_a_refused_setting_is_in_the_log_file_too(tmp_path, command):
    # hostile-s9 F5: a Scrapyd job refused by a -s value had an empty job log.
    log = tmp_path / "job.log"
    proc = scrapy(*command, "-s", f"DATA_DIR={tmp_path / 'data'}", "-s", f"LOG_FILE={log}",
                  "-s", "DOWNLOAD_DELAY=abc")
    line = f"scrapy {command[0]}: error: setting DOWNLOAD_DELAY='abc' is not a number"
    one_line_error(proc, command[0], line.split(": error: ")[1])
    assert log.read_text(encoding="utf-8").rstrip().endswith(
        f"ERROR: {line.replace(' error:', '')}")
    assert not (tmp_path / "data").exists()


def test_a_log_file_logging_cannot_open(tmp_path):
    # hostile-s9 F7: was a FileNotFoundError traceback from logging, exit 1.
    missing = tmp_path / "no" / "such" / "crawl.log"
    one_line_error(crawl_with(tmp_path / "data", f"LOG_FILE={missing}"), "crawl",
                   f"LOG_FILE: no folder {missing.parent}")
    under_a_file = file_in_the_way(tmp_path)
    one_line_error(crawl_with(tmp_path / "data", f"LOG_FILE={under_a_file}"), "crawl",
                   f"LOG_FILE: {under_a_file.parent} is not a folder")
    one_line_error(crawl_with(tmp_path / "data", f"LOG_FILE={tmp_path}"), "crawl",
                   f"LOG_FILE: {tmp_path} is not a file")
    one_line_error(crawl_with(tmp_path / "data", f"LOG_FILE={tmp_path / 'x.log'}",
                              "LOG_ENCODING=no-such-codec"), "crawl",
                   "LOG_ENCODING='no-such-codec' is not an encoding")
    assert not (tmp_path / "data").exists() and not (tmp_path / "x.log").exists()
    assert not missing.parent.parent.exists()


def file_in_the_way(tmp: Path) -> Path:
    """A path whose parent is a file, so it can never be created."""
    (tmp / "file").write_text("a file\n")
    return tmp / "file" / "sub"


@pytest.mark.parametrize("name", ["JOBDIR", "DATA_DIR"])
def test_a_folder_that_cannot_be_created(tmp_path, name):
    path = file_in_the_way(tmp_path)
    proc = crawl_with(tmp_path / "data", f"{name}={path}")
    one_line_error(proc, "crawl", name, f"cannot create {path}", "is not a folder")
    proc = crawl_with(tmp_path / "data", f"{name}=/dev/null/x")
    one_line_error(proc, "crawl", name, "/dev/null is not a folder")


def test_a_folder_on_a_read_only_filesystem(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a read-only tmpfs was refused ({mounted.stderr.strip()}): "
                    "root bypasses permission bits, so only a read-only mount is unwritable")
    try:
        for setting in (f"DATA_DIR={ro / 'data'}", f"JOBDIR={ro}",
                        f"SQLITE_PATH={ro / 'db' / 'reports.db'}"):
            proc = crawl_with(tmp_path / "data", setting)
            one_line_error(proc, "crawl", setting.split("=")[0], f"{ro} is not writable")
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("name", ["SQLITE_PATH", "WARC_DEDUP_PATH"])
def test_a_database_setting_naming_something_else(tmp_path, name):
    garbage = not_a_database(tmp_path / "x.db")
    proc = crawl_with(tmp_path / "data", f"{name}={garbage}")
    one_line_error(proc, "crawl", name, f"{garbage} cannot be read as an SQLite database",
                   "file is not a database")
    assert garbage.read_bytes().startswith(b"garbage")  # left as it was
    one_line_error(crawl_with(tmp_path / "data", f"{name}={tmp_path}"), "crawl",
                   f"{tmp_path} is not a file")
    path = file_in_the_way(tmp_path) / "x.db"
    one_line_error(crawl_with(tmp_path / "data", f"{name}={path}"), "crawl",
                   f"cannot create {path.parent}")
    assert not (tmp_path / "data").exists()


def test_the_default_database_in_data_dir_is_checked_too(tmp_path):
    not_a_database(tmp_path / "reports.db")
    one_line_error(crawl_with(tmp_path), "crawl", "DATA_DIR:",
                   f"{tmp_path / 'reports.db'} cannot be read as an SQLite database")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports.db"]


def test_summary_of_a_file_that_is_not_a_database(tmp_path):
    db = not_a_database(tmp_path / "reports.db")
    one_line_error(scrapy("summary", "-s", f"DATA_DIR={tmp_path}"), "summary",
                   f"{db} cannot be read as an SQLite database")
    assert db.read_bytes().startswith(b"garbage")


def another_programs_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as con:
        con.execute("create table pages (x)")
    con.close()
    return path


def test_summary_and_merge_into_another_programs_database(tmp_path):
    db = another_programs_database(tmp_path / "reports.db")
    proc = scrapy("summary", "-s", f"DATA_DIR={tmp_path}")
    one_line_error(proc, "summary", f"{db}: database from an older, unversioned schema")
    good = tmp_path / "good.db"
    sqlite3.connect(good).close()
    proc = scrapy("merge", "-s", f"DATA_DIR={tmp_path}", str(good))
    one_line_error(proc, "merge", f"{db}: database from an older, unversioned schema")


def test_merge_of_files_that_are_not_databases(tmp_path):
    worker = tmp_path / "worker"
    db = not_a_database(worker / "reports.db")
    for source in (worker, db):
        proc = scrapy("merge", "-s", f"DATA_DIR={tmp_path / 'out'}", str(source))
        one_line_error(proc, "merge", f"{db} cannot be read as an SQLite database")
    assert not (tmp_path / "out").exists()
    # The output database, too, is checked before anything is merged into it.
    good = tmp_path / "good.db"
    sqlite3.connect(good).close()
    afile = file_in_the_way(tmp_path).parent
    proc = scrapy("merge", "-s", f"DATA_DIR={afile}", str(good))
    one_line_error(proc, "merge", f"{afile} is not a folder")
    out = not_a_database(tmp_path / "out2" / "reports.db")
    proc = scrapy("merge", "-s", f"DATA_DIR={out.parent}", str(good))
    one_line_error(proc, "merge", f"{out} cannot be read as an SQLite database")


def test_merge_of_an_sqlite_database_of_something_else(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("create table crawls (x)")
        con.execute("insert into crawls values (1)")
    proc = scrapy("merge", "-s", f"DATA_DIR={tmp_path / 'out'}", str(other))
    one_line_error(proc, "merge", f"{other}: no such column")
    with sqlite3.connect(tmp_path / "out" / "reports.db") as out:  # rolled back
        assert out.execute("select count(*) from crawls").fetchone() == (0,)


def test_extract_adds_to_no_file_that_is_not_a_database(tmp_path):
    warc = next((CORPUS / "warc").rglob("*.warc.gz"))
    (tmp_path / "warc").mkdir()
    shutil.copy(warc, tmp_path / "warc" / warc.name)
    notes = not_a_database(tmp_path / "notes.txt")
    proc = scrapy("extract", "-s", f"DATA_DIR={tmp_path}", "--db", str(notes), "--keep-db")
    one_line_error(proc, "extract", f"{notes} cannot be read as an SQLite database")
    assert notes.read_bytes().startswith(b"garbage")
    # Without --keep-db a broken database is replaced (tests/e2e/test_extract.py), but a
    # folder in its place, or under a file, is no database to write.
    for db in (tmp_path / "warc", file_in_the_way(tmp_path) / "x.db"):
        proc = scrapy("extract", "-s", f"DATA_DIR={tmp_path}", "--db", str(db))
        one_line_error(proc, "extract", "is not a")


@pytest.mark.parametrize("port, words", [
    ("99999", "port 99999 is not in 1..65535"),
    ("0", "port 0 is not in 1..65535"),
    ("-5", "port -5 is not in 1..65535"),
    ("http", "'http' is not a port number"),
])
def test_replay_port_out_of_range(tmp_path, port, words):
    proc = scrapy("replay", "-s", f"DATA_DIR={tmp_path}", "--port", port)
    # argparse's own error: its usage lines, then the one error line.
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"scrapy replay: error: argument --port: {words}"


def test_replay_port_setting_out_of_range(tmp_path):
    proc = scrapy("replay", "-s", f"DATA_DIR={tmp_path}", "-s", "WARC_REPLAY_PORT=70000")
    one_line_error(proc, "replay", "WARC_REPLAY_PORT=70000 is not in 1..65535")


def test_values_scrapy_accepts_still_crawl(web: Running, tmp_path):
    # Ints for floats, a float for an int default read with getfloat, bools as 0/False/true,
    # a negative number, and folders that do not exist yet but can be created.
    data = tmp_path / "new" / "data"
    db = tmp_path / "other" / "db" / "crawl.db"
    start = "http://www.taonan.gov.cn/"
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={start}",
                 "-s", "CLEAN_WORKERS=0", "-s", "WARC_ENABLED=False",
                 "-s", "SQLITE_PROCESS=0", "-s", "ROBOTSTXT_OBEY=true",
                 "-s", "CLEAN_TIMEOUT=30", "-s", "DOWNLOAD_TIMEOUT=30.5",
                 "-s", "DEPTH_PRIORITY=-1", "-s", "DEPTH_LIMIT=1",
                 "-s", "DISCOVERY_SITEMAP=0", "-s", f"JOBDIR={tmp_path / 'new' / 'job'}",
                 "-s", "FEED_EXPORT_INDENT=-1", "-s", "HTTPCACHE_EXPIRATION_SECS=-1",
                 "-s", f"LOG_FILE={tmp_path / 'crawl.log'}",
                 "-s", f"SQLITE_PATH={db}")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-3000:] + log[-3000:]
    assert "Traceback" not in proc.stderr + log
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from pages where url = ?", [start]).fetchone()[0]
    assert not (data / "warc").exists()  # WARC_ENABLED=False was read as false
