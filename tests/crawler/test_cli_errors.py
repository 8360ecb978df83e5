"""The project's commands: a bad argument or a missing input is one line and exit code 2,
and each command's help names the settings it reads."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from fixtureweb.crawl import REPO, SCRAPY
from tests.shared import CORPUS

COMMANDS = ("export", "extract", "merge", "push_starts", "replay", "summary",
            "validate_sites", "wacz")


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str], words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_each_command_is_listed_once():
    listed = [line.split()[0] for line in scrapy("-h").stdout.splitlines()
              if line.startswith("  ") and line.split()]
    for name in COMMANDS:
        assert listed.count(name) == 1, name
    assert "validate-sites" not in listed


@pytest.mark.parametrize("name", COMMANDS)
def test_help_names_the_settings_it_reads(name):
    out = " ".join(scrapy(name, "-h").stdout.split())
    setting = {"validate_sites": "SITES_FILE", "push_starts": "REDIS_URL"}.get(name, "DATA_DIR")
    assert f"-s {setting}" in out, out


@pytest.mark.parametrize("args, words", [
    (["extract", "--workers", "0"], "--workers must be at least 1"),
    (["extract"], "no WARC files in"),
    (["merge"], "name at least one worker DATA_DIR or database"),
    (["merge", "/nonexistent"], "/nonexistent: no reports.db there"),
])
def test_command_argument_errors(tmp_path, args, words):
    one_line_error(scrapy(*args, "-s", f"DATA_DIR={tmp_path}"), words)


def test_summary_of_a_missing_crawl(tmp_path):
    one_line_error(scrapy("summary", "-s", f"DATA_DIR={tmp_path}"), "no database at")


def test_replay_refuses_a_port_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = scrapy("replay", "-s", f"DATA_DIR={tmp_path}", "--port", str(port))
    one_line_error(proc, f"port {port} on 127.0.0.1 is in use")


def test_wacz_to_a_missing_folder(tmp_path):
    warc = next((CORPUS / "warc").rglob("*.warc.gz"))
    (tmp_path / "warc").mkdir()
    shutil.copy(warc, tmp_path / "warc" / warc.name)
    missing = tmp_path / "no" / "such" / "folder" / "x.wacz"
    proc = scrapy("wacz", "-s", f"DATA_DIR={tmp_path}", "-o", str(missing))
    one_line_error(proc, f"no folder {missing.parent}")
    assert not Path(missing.parent).exists()


@pytest.mark.parametrize("argument, words", [
    ("start_urls=ftp://x", "only http(s) URLs can be crawled, got 'ftp://x'"),
    ("start_urls=notaurl", "only http(s) URLs can be crawled, got 'notaurl'"),
    ("start_urls=http://", "not an absolute http(s) URL"),
    ("sites=no-such-site", "no site in the packaged crawler/sites.toml matches no-such-site"),
    ("start_urls=", "start_urls is empty"),
    ("sites=", "sites is empty"),
    ("start_urls=http://a b/", "not an absolute http(s) URL: 'http://a b/'"),
    ("start_urls=http://x.cn:99999/", "Port out of range"),
    ("site=nosuch", "unknown argument 'site'"),
])
def test_bad_spider_arguments_stop_the_crawl_before_it_starts(tmp_path, argument, words):
    proc = scrapy("crawl", "reports", "-a", argument, "-s", f"DATA_DIR={tmp_path}")
    one_line_error(proc, words)
    assert not any(tmp_path.iterdir())  # nothing started, nothing written


def test_an_unknown_spider(tmp_path):
    one_line_error(scrapy("crawl", "nospider", "-s", f"DATA_DIR={tmp_path}"),
                   "no spider named 'nospider'")


def test_the_crawl_never_fetches_the_public_suffix_list():
    # Scrapy's cookie middleware builds its tldextract at import, after the project settings.
    code = ("from scrapy.utils.project import get_project_settings; get_project_settings(); "
            "from scrapy.downloadermiddlewares import cookies; "
            "print(cookies._split_domain.suffix_list_urls)")
    proc = subprocess.run([str(Path(SCRAPY).with_name("python")), "-c", code], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "()"


def test_wacz_onto_a_folder(tmp_path):
    warc = next((CORPUS / "warc").rglob("*.warc.gz"))
    (tmp_path / "warc").mkdir()
    shutil.copy(warc, tmp_path / "warc" / warc.name)
    one_line_error(scrapy("wacz", "-s", f"DATA_DIR={tmp_path}", "-o", str(tmp_path / "warc")),
                   "exists and is not a regular file")


def test_no_way_into_a_running_crawl():
    code = ("from scrapy.utils.project import get_project_settings; s = get_project_settings(); "
            "print(s.getbool('TELNETCONSOLE_ENABLED'), s.getbool('REMOTE_CONTROL_ENABLED'))")
    proc = subprocess.run([str(Path(SCRAPY).with_name("python")), "-c", code], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["False", "False"], proc.stderr
