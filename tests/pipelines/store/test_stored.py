"""pipelines.store.stored: what a resumed crawl asks the database before it goes on."""

from __future__ import annotations

from pathlib import Path

from pipelines.page import Fetch, Page
from pipelines.store import stored
from pipelines.store.db import open_db, start_crawl
from pipelines.store.record import record_page


def page(url: str, offset: int | None, status: int = 200, error: str | None = None) -> Page:
    fetch = Fetch(url, status, "2023-01-12T08:30:15Z", warc_type="response",
                  warc_record_id=f"<urn:uuid:{offset}>", warc_file="a.warc.gz",
                  warc_offset=offset, warc_length=10, discovery="sitemap")
    return Page(url=url, status=status, depth=2, error=error,
                fetches=[fetch] if offset is not None else [])


def test_a_missing_or_empty_database_has_stored_nothing(tmp_path: Path) -> None:
    for path in (tmp_path / "none.db", tmp_path / "empty.db"):
        if path.name == "empty.db":
            path.write_bytes(b"")
        assert stored.last_crawl_id(path) == 0
        assert stored.urls_stored_since(path, 0) == []
        assert stored.pages_stored_since(path, 0) == []
        locate = stored.RecordLocations(path)
        assert locate("<urn:uuid:1>") is None
        locate.close()
    assert not (tmp_path / "none.db").exists()  # asking creates nothing


def test_the_pages_of_later_crawls_with_their_archived_records(tmp_path: Path) -> None:
    path = tmp_path / "reports.db"
    db = open_db(path)
    first = start_crawl(db, "reports")
    record_page(db, page("http://a.gov.cn/old", 1), first)
    second = start_crawl(db, "reports")
    for p in (page("http://a.gov.cn/b", 20), page("http://a.gov.cn/a", 10),
              page("http://a.gov.cn/gone", 30, 404, "HTTP 404"),
              page("http://a.gov.cn/refused", None, None, "ConnectionRefusedError: x")):
        record_page(db, p, second)
    db.close()
    assert stored.last_crawl_id(path) == second
    assert sorted(stored.urls_stored_since(path, first)) == [
        "http://a.gov.cn/a", "http://a.gov.cn/b", "http://a.gov.cn/gone", "http://a.gov.cn/refused"]
    # Whole pages only, in the order stored, with how the crawl reached them.
    assert stored.pages_stored_since(path, first) == [
        stored.StoredPage("http://a.gov.cn/b", 2, "a.warc.gz", 20, "sitemap"),
        stored.StoredPage("http://a.gov.cn/a", 2, "a.warc.gz", 10, "sitemap")]
    locate = stored.RecordLocations(path)
    try:
        assert locate("<urn:uuid:10>") == ("a.warc.gz", 10)
        assert locate("<urn:uuid:99>") is None
        assert locate(None) is None
        # Asked once per revisit a resume reads: found through an index, not by a scan of
        # every page (30 ms a question at 200,000 pages).
        plan = " ".join(str(row) for row in locate.conn.execute(
            "explain query plan " + locate._SQL, ["<urn:uuid:10>"]))
        assert "USING INDEX" in plan and "SCAN" not in plan, plan
    finally:
        locate.close()


def test_every_2xx_page_is_a_whole_page(tmp_path: Path) -> None:
    # The spider follows the links of any 2xx page (Scrapy's HttpErrorMiddleware lets them
    # all through), so a resumed crawl must rebuild its frontier from them all.
    path = tmp_path / "reports.db"
    db = open_db(path)
    crawl = start_crawl(db, "reports")
    for p in (page("http://a.gov.cn/203", 1, 203), page("http://a.gov.cn/206", 2, 206),
              page("http://a.gov.cn/304", 3, 304, "HTTP 304")):
        record_page(db, p, crawl)
    db.close()
    assert [p.url for p in stored.pages_stored_since(path, 0)] == [
        "http://a.gov.cn/203", "http://a.gov.cn/206"]
