"""archive.service: the WARC writer process behind the middleware and the conversion pipeline.
Records written through it land in the file in order; a writer that dies costs the pages
their records (counted), never the pages themselves."""

from __future__ import annotations

import asyncio

from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.service import WarcService
from pipelines.clean.result import CleanResult
from pipelines.conversion_pipeline import ConversionPipeline
from pipelines.page import Fetch, Page
from tests.archive.test_warc_writer import exchange


def service(tmp_path) -> tuple[WarcService, ConversionPipeline]:
    # The project's archive settings (file size, prefix), without its reactor.
    settings = {k: v for k, v in get_project_settings().items() if k.startswith("WARC_")}
    settings.update({"DATA_DIR": str(tmp_path), "WARC_ENABLED": True,
                     "WARC_CONVERSIONS_ENABLED": True, "WARC_DEDUP_ENABLED": True})
    crawler = get_crawler(settings_dict=settings)
    crawler._apply_settings()
    return WarcService.of(crawler), ConversionPipeline.from_crawler(crawler)


def report(url: str, refers_to: str) -> Page:
    return Page(url=url, status=200, body=b"<html/>", cleaned=CleanResult(
        is_report=True, title="政府工作报告", text="政府工作报告全文。"),
        fetches=[Fetch(url, warc_record_id=refers_to)])


def test_records_go_through_the_writer_process_in_order(tmp_path):
    warc, conversions = service(tmp_path)

    async def run() -> None:
        fetches = await asyncio.gather(*(
            warc.write_exchange(exchange(f"<p>{i}</p>".encode(), f"http://a.gov.cn/{i}"))
            for i in range(5)))
        assert all(f["warc_type"] == "response" for f in fetches)
        await conversions.process_item(report("http://a.gov.cn/0", fetches[0]["warc_record_id"]))
        warc.close()  # on the loop, as spider_closed is
    asyncio.run(run())
    assert warc.helper.process.exitcode == 0
    [path] = (tmp_path / "warc").glob("*.warc.gz")
    with path.open("rb") as f:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
                   for r in ArchiveIterator(f)]
    responses = [u for t, u in records if t == "response"]
    assert responses == [f"http://a.gov.cn/{i}" for i in range(5)]
    assert [t for t, _ in records[-2:]] == ["conversion", "metadata"]
    assert warc.stats.get_value("archive/responses") == 5
    assert warc.stats.get_value("archive/conversions") == 1


def test_a_dead_writer_costs_the_record_not_the_page(tmp_path):
    warc, conversions = service(tmp_path)
    warc.helper.process.kill()
    warc.helper.process.join()

    async def run() -> Page | None:
        return await conversions.process_item(report("http://a.gov.cn/x", "<urn:uuid:1>"))
    page = asyncio.run(run())
    assert page is not None and page.url == "http://a.gov.cn/x"  # still goes on to the store
    assert conversions.stats.get_value("archive/write_errors") == 1
    warc.close()  # logs the dead writer; does not raise
