"""Scheduled crawls: a real Scrapyd on loopback, the project deployed with scrapyd-deploy.

The test starts Scrapyd from the repository's scrapyd.conf (port and directories moved into a
temporary directory) with the fixture proxy in its environment, which its jobs inherit;
deploys the egg that scrapyd-deploy builds from setup.py/pyproject.toml; schedules `reports`
through schedule.json for the five seed sites of the *packaged* sites file (so the job reads
crawler/sites.toml from inside the zipped egg, from a working directory that is not the
repository); polls listjobs.json; and then reads the database and the WARC files the job
wrote under the DATA_DIR it was given.
"""

from __future__ import annotations

import configparser
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, crawl_env
from fixtureweb.demo import FIXTURE_SITES
from fixtureweb.loopback import free_port
from pipelines.store.sites import load_sites

BIN = Path(sys.executable).parent
MANIFEST = load_manifest()
REPORTS = {r["url"] for s in MANIFEST["sites"] for r in s["reports"]}
SEED_SITES = [site.name for site in load_sites(FIXTURE_SITES)]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + endpoint, data=body, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory, web):
    tmp = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    conf = configparser.ConfigParser()
    conf.read(REPO / "scrapyd.conf")
    assert conf["scrapyd"]["bind_address"] == "127.0.0.1"
    for name in ("eggs_dir", "logs_dir", "dbs_dir"):
        conf["scrapyd"][name] = str(tmp / conf["scrapyd"][name].rsplit("/", 1)[-1])
    conf["scrapyd"]["http_port"] = str(port)
    conf["scrapyd"]["poll_interval"] = "0.5"
    with open(tmp / "scrapyd.conf", "w") as fh:
        conf.write(fh)
    base = f"http://127.0.0.1:{port}/"
    log = open(tmp / "scrapyd.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "scrapyd"), "--pidfile="], cwd=tmp,
                            env=crawl_env(web.proxy_url), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert api(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert proc.poll() is None, (tmp / "scrapyd.log").read_text()
                assert time.monotonic() < deadline, "Scrapyd did not start"
                time.sleep(0.2)
        yield tmp, base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def deployed(scrapyd):
    tmp, base = scrapyd
    # A deploy target for this Scrapyd, from the user-level scrapy.cfg Scrapy also reads.
    (tmp / "xdg").mkdir()
    (tmp / "xdg" / "scrapy.cfg").write_text(f"[deploy:pytest]\nurl = {base}\nproject = gzbg\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp / "xdg")}
    proc = subprocess.run([str(BIN / "scrapyd-deploy"), "pytest", "--version", "t1"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["status"] == "ok"
    return tmp, base


def test_project_deploys_with_its_spider(deployed):
    _, base = deployed
    assert "gzbg" in api(base, "listprojects.json")["projects"]
    assert api(base, "listversions.json?project=gzbg")["versions"] == ["t1"]
    assert api(base, "listspiders.json?project=gzbg")["spiders"] == ["reports"]


def test_scheduled_crawl_archives_and_stores_the_reports(deployed):
    tmp, base = deployed
    data = tmp / "data"
    job = api(base, "schedule.json", [
        ("project", "gzbg"), ("spider", "reports"), ("sites", ",".join(SEED_SITES)),
        ("setting", f"DATA_DIR={data}"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
    ])
    assert job["status"] == "ok"
    deadline = time.monotonic() + 240
    while True:
        jobs = api(base, "listjobs.json?project=gzbg")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.5)
    log = next((tmp / "logs" / "gzbg" / "reports").glob(f"{job['jobid']}.log")).read_text()
    assert "Traceback" not in log
    db = sqlite3.connect(data / "reports.db")
    assert {u for (u,) in db.execute("select url from reports")} == REPORTS
    (reason,) = db.execute("select finish_reason from crawls").fetchone()
    assert reason == "finished"
    archived = set()
    for path in (data / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            archived |= {rec.rec_headers.get_header("WARC-Target-URI")
                         for rec in ArchiveIterator(fh) if rec.rec_type == "response"}
    assert archived >= REPORTS


def test_packaged_data_files_load_from_the_zipped_egg(tmp_path):
    egg = tmp_path / "gzbg.egg"
    proc = subprocess.run([str(BIN / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    check = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import crawler, pipelines.clean.repair.charmodel as cm, pipelines.clean.spamwords as sw\n"
        "from pipelines.store.sites import load_sites\n"
        "assert crawler.__file__.startswith(sys.argv[1]), crawler.__file__\n"
        "print(len(load_sites()), len(sw.lexicon()[0]), len(cm.model().uni) > 1000)\n"
    )
    out = subprocess.run([sys.executable, "-c", check, str(egg)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    sites, strong, chars = out.stdout.split()
    assert int(sites) == len(load_sites()) and int(strong) > 10 and chars == "True"


def test_a_failed_crawl_is_a_failed_job(deployed):
    tmp, base = deployed
    job = api(base, "schedule.json", [("project", "gzbg"), ("spider", "reports"),
                                      ("site", "nosuch"), ("setting", f"DATA_DIR={tmp / 'bad'}")])
    assert job["status"] == "ok"
    deadline = time.monotonic() + 120
    while not any(j["id"] == job["jobid"] for j in api(base, "listjobs.json?project=gzbg")
                  ["finished"]):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    # Scrapyd 1.6's job list has no exit status; its log says the process died, and why.
    log = (tmp / "scrapyd.log").read_text()
    died = [line for line in log.splitlines() if "Process died" in line and job["jobid"] in line]
    assert died and "exitstatus=2" in died[0], log[-3000:]
    assert "unknown argument 'site'" in log
