"""The WARC writer process holds what writing needs and nothing of the crawl or the cleaner:
the forkserver it is forked from preloads only what every helper needs (crawler/forkserver.py),
and each role imports its own (issue 20)."""

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


def test_a_helper_forked_from_the_forkserver_inherits_none_of_one_roles_modules() -> None:
    helper = Helper("bare", ready)
    try:
        async def ask() -> list[str]:
            return await helper.call(held)
        modules = asyncio.run(ask())
    finally:
        helper.close()
    assert "pipelines.procs" in modules  # the forkserver's preload, inherited
    assert heavy(modules) == [] and "warcio" not in modules and "sqlite_utils" not in modules


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
    helper = Helper("entry", ready)
    async def ask():
        return await helper.call(held)
    modules = asyncio.run(ask())
    helper.close()
    print(json.dumps([m for m in modules if m.split(".")[0] in ("scrapy", "twisted")]))
"""


def test_a_helper_started_from_the_scrapy_script_does_not_run_it_again(tmp_path) -> None:
    """multiprocessing runs the parent's main script again in a forkserver's child, for what
    it defines: from `scrapy crawl`, that imported Scrapy and Twisted into every helper."""
    script = tmp_path / "scrapy"
    script.write_text(ENTRY_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # a script's own folder is its sys.path
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
