"""Each helper process holds what its work needs and not the libraries of the others (issue 20):
every module a helper imports is resident in it, and the forkserver's count again in each
clean worker's resident set.  Asked of real helpers, started as the crawl starts them."""

from __future__ import annotations

import asyncio

from archive import writerproc
from pipelines.clean_pipeline import start_helpers
from pipelines.procs import Helper
from pipelines.store import writer
from tests.archive.heldmodules import held

# The crawl's framework, the owner's event loop (and the ssl module it loads), Redis (for
# distributed mode only), the store's sqlite_utils, and datasketch with its scipy.
NOT_A_CLEANERS = ("scrapy", "twisted", "asyncio", "ssl", "redis", "sqlite_utils", "datasketch",
                  "scipy")
NOT_A_WRITERS = (*NOT_A_CLEANERS[:5], "datasketch", "scipy", "opencc", "lxml",
                 "pipelines.clean.cleaner")


def modules_of(helper: Helper) -> set[str]:
    try:
        async def ask() -> list[str]:
            return await helper.call(held)
        return set(asyncio.run(ask()))
    finally:
        helper.close()


def tops(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


def test_a_clean_worker_holds_the_cleaner_and_nothing_of_the_crawl() -> None:
    modules = modules_of(start_helpers(1)[0])
    assert {"pipelines.clean.cleaner", "pipelines.store.copies.fingerprint"} <= modules
    assert tops(modules, NOT_A_CLEANERS) == []


def test_the_database_writer_holds_neither_the_cleaner_nor_the_crawl(tmp_path) -> None:
    modules = modules_of(writer.start(writer.Target(tmp_path / "reports.db", None)))
    assert {"pipelines.store.record", "pipelines.store.copies.bandindex"} <= modules
    assert tops(modules, NOT_A_WRITERS) == []


def test_the_warc_writer_holds_neither_the_cleaner_nor_the_crawl(tmp_path) -> None:
    helper = Helper("warc-writer", writerproc.open_writer, tmp_path, "t", 1 << 20, {},
                    tmp_path / "digests.db", 2, spawn=True)
    modules = modules_of(helper)
    assert {"archive.writerproc", "warcio"} <= modules
    assert tops(modules, NOT_A_WRITERS) == []
