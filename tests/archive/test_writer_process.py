"""The writer processes hold what writing needs and nothing of the crawl or the cleaner: they
are spawned, not forked from the forkserver that holds the cleaner for the cleaning workers
(crawler/forkserver.py), and no helper runs the `scrapy` script again (issue 20)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from pipelines.procs import Helper, ready
from tests.archive.heldmodules import held
from tests.archive.test_warc_service import report, service
from tests.archive.test_warc_writer import exchange
from tests.paths import REPO

# The crawl's framework and the cleaner's heavy parts: none of them is the writer's business.
NOT_THE_WRITERS = ("scrapy", "twisted", "opencc", "datasketch", "scipy", "lxml",
                   "pipelines.clean.cleaner", "pipelines.clean.repair.charmodel",
                   "pipelines.store.copies.fingerprint")


def heavy(modules: list[str]) -> list[str]:
    return [name for name in NOT_THE_WRITERS if name in modules]


def modules_of(helper: Helper) -> list[str]:
    try:
        async def ask() -> list[str]:
            return await helper.call(held)
        return asyncio.run(ask())
    finally:
        helper.close()


def test_a_spawned_helper_holds_none_of_the_cleaners_modules() -> None:
    forked, spawned = modules_of(Helper("forked", ready)), modules_of(Helper("spawned", ready,
                                                                               spawn=True))
    assert "pipelines.clean.repair.charmodel" in forked  # the forkserver's, inherited
    assert "pipelines.procs" in spawned and heavy(spawned) == []


def test_the_warc_writer_writes_without_scrapy_or_the_cleaner(tmp_path) -> None:
    warc, conversions = service(tmp_path)

    async def run() -> list[str]:
        fetch = await warc.write_exchange(exchange(b"<p>report</p>", "http://a.gov.cn/r"))
        # A conversion sends the cleaner's account function along: its module comes too.
        await conversions.process_item(report("http://a.gov.cn/r", fetch["warc_record_id"]))
        modules = await warc.helper.call(held)
        warc.close()
        return modules
    modules = asyncio.run(run())
    assert warc.stats.get_value("archive/conversions") == 1  # it did write, account and all
    assert "archive.writerproc" in modules and "warcio" in modules
    assert heavy(modules) == []


# The `scrapy` command's entry script, as pip writes it: Scrapy imported at its top.
ENTRY_SCRIPT = """
import json, sys
from scrapy.cmdline import execute
if __name__ == "__main__":
    import asyncio
    from pipelines.procs import Helper, ready
    from tests.archive.heldmodules import held
    helper = Helper("entry", ready, spawn=True)  # as the writers start
    async def ask():
        return await helper.call(held)
    modules = asyncio.run(ask())
    helper.close()
    print(json.dumps([m for m in modules if m.split(".")[0] in ("scrapy", "twisted")]))
"""


def test_a_helper_started_from_the_scrapy_script_does_not_run_it_again(tmp_path) -> None:
    """multiprocessing runs the parent's main script again in a spawned (or forkserver's)
    child, for what it defines: from `scrapy crawl`, that imported Scrapy and Twisted into
    the writers."""
    script = tmp_path / "scrapy"
    script.write_text(ENTRY_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # a script's own folder is its sys.path
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
