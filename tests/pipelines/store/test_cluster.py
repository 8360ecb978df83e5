"""Near-duplicate clusters (issue 11): the fingerprint, the canonical rules, and incremental
clustering through record_page (the writer of the crawl and of `scrapy extract`)."""

from __future__ import annotations

import pytest

from fixtureweb import load_manifest, site_file
from fixtureweb.copies import broken_traditional
from pipelines.clean.cleaner import clean
from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page
from pipelines.store.copies import cluster
from pipelines.store.copies.canonical import Copy, Damage, SiteIndex, ranked
from pipelines.store.copies.fingerprint import exact_similarity, normalise, similarity
from pipelines.store.db import open_db
from pipelines.store.record import record_page
from pipelines.store.sites import Site

MANIFEST = load_manifest()
ORIGINAL = next(s for s in MANIFEST["sites"] if s["host"] == "www.beipiao.gov.cn")
ORIGINAL_URL = ORIGINAL["reports"][0]["url"]
COPIES = {r["url"]: s["kind"] for s in MANIFEST["copy_sites"] for r in s["reports"]
          if r.get("copy_of")}
YEARS = next(s for s in MANIFEST["copy_sites"] if s["host"] == "www.dongling-fixture.gov.cn")
OTHER_REPORTS = [s["reports"][0]["url"] for s in MANIFEST["sites"]
                 if s["host"] != "www.beipiao.gov.cn"]


def cleaned(url: str) -> CleanResult:
    return clean(site_file(url).read_bytes(), url, {})


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    urls = [ORIGINAL_URL, *COPIES, *(r["url"] for r in YEARS["reports"]), *OTHER_REPORTS]
    return {u: cleaned(u).text for u in urls}


# --- the fingerprint -------------------------------------------------------------------
def test_normalise_removes_what_copies_change():
    plain = "今年全市地区生产总值增长6.5%，发展质量稳步提升。"
    converted = broken_traditional({"發": "fā", "質": "zhì"})(plain)
    assert converted != plain and "(fā)" in converted
    assert normalise(converted) == normalise(plain)
    assert normalise("今年全市地区生产总值增长×%，发展质量稳步提升。") == normalise(plain)
    assert normalise("今年 全市地区生产总值\n增长 6.5 % ,发展质量稳步提升") == normalise(plain)


def test_every_copy_is_similar_to_its_original(texts):
    for url in COPIES:
        assert exact_similarity(texts[ORIGINAL_URL], texts[url]) > 0.9, url
        assert similarity(texts[ORIGINAL_URL], texts[url]) > 0.8, url


def test_different_reports_are_not_similar(texts):
    a, b = (texts[r["url"]] for r in YEARS["reports"])
    # Same city, same head and closing, consecutive years: far below the threshold.
    assert exact_similarity(a, b) < 0.1
    assert similarity(a, b) < cluster.THRESHOLD / 2
    for url in OTHER_REPORTS:
        assert similarity(texts[ORIGINAL_URL], texts[url]) < 0.1, url


# --- the canonical rules --------------------------------------------------------------
CLEAN = Damage(False, False, False, False)
SPAM = Damage(True, False, False, False)
HANT = Damage(False, True, False, False)
TEMPLATE = Damage(False, False, True, False)
GOV_URL = "http://www.beipiao.gov.cn/zwgk/a.html"


def copy(i: int, url: str, host_kind: str | None, damage: Damage = CLEAN,
         chars: int = 1000) -> Copy:
    return Copy(i, url, host_kind, chars, damage)


def test_government_over_mirror_even_when_damaged():
    order = ranked([copy(1, "http://mirror.example.com/zwgk/a.html", None),
                    copy(2, GOV_URL, "government", SPAM)])
    assert [c.id for c in order] == [2, 1]
    assert [c.kind for c in order] == ["government", "mirror"]


def test_undamaged_over_spam_injected_or_converter_damaged():
    order = ranked([copy(1, "http://a.example.com/x.html", None, SPAM),
                    copy(2, "http://b.example.com/y.html", None, HANT),
                    copy(3, "http://c.example.com/z.html", None, CLEAN, chars=900)])
    assert order[0].id == 3
    assert {c.kind for c in order} == {"unknown"}


def test_complete_over_template_or_fragment():
    order = ranked([copy(1, "http://a.example.com/1.html", None, CLEAN, chars=500),
                    copy(2, "http://b.example.com/2.html", "content_farm", TEMPLATE),
                    copy(3, "http://c.example.com/3.html", None, CLEAN, chars=1000)])
    assert [c.id for c in order] == [3, 1, 2]
    assert order[1].is_fragment and not order[0].is_fragment
    # Among the same source and damage, a template loses to a full text even if longer.
    order = ranked([copy(1, "http://a.example.com/1.html", None, TEMPLATE, chars=1200),
                    copy(2, "http://b.example.com/2.html", None, CLEAN, chars=1000)])
    assert order[0].id == 2 and order[1].kind == "content_farm"


def test_mirror_needs_the_government_path():
    order = ranked([copy(1, GOV_URL, "government"),
                    copy(2, "http://m.example.com/zwgk/a.html", None),
                    copy(3, "http://m.example.com/other/a.html", None)])
    assert {c.id: c.kind for c in order} == {1: "government", 2: "mirror", 3: "unknown"}


def test_site_index_kinds():
    sites = SiteIndex.from_sites([
        Site("九力公文网", "", "", ("www.jiuligongwen.com",), ("http://www.jiuligongwen.com/",),
             kind="content_farm"),
        Site("某市", "某市", "市", ("www.mou.cn",), ("http://www.mou.cn/",))])
    assert sites.host_kind("jiuligongwen.com") == "content_farm"
    assert sites.host_kind("zwgk.mou.cn") == "government"
    assert sites.host_kind("www.taonan.gov.cn") == "government"
    assert sites.host_kind("www.beipiao-gov.com") is None


# --- incremental clustering through record_page ------------------------------------------
def page(url: str, offset: int, result: CleanResult | None = None) -> Page:
    fetch = Fetch(url, warc_file="t.warc.gz", warc_offset=offset)
    return Page(url=url, status=200, content_type="text/html", body=b"x", fetches=[fetch],
                cleaned=result if result is not None else cleaned(url))


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "r.db")
    yield database
    database.close()


def rows(db, sql: str, *params) -> list[dict]:
    return [dict(r) for r in db.query(sql, params)]


def test_copies_join_one_cluster_and_years_stay_apart(db):
    urls = [*COPIES, ORIGINAL_URL, *(r["url"] for r in YEARS["reports"])]
    for i, url in enumerate(urls):
        assert record_page(db, page(url, i))
    clusters = rows(db, "select * from clusters order by id")
    assert len(clusters) == 3
    main = next(c for c in clusters if c["region"] == "北票市")
    assert main["n_copies"] == len(COPIES) + 1
    assert main["canonical_url"] == ORIGINAL_URL  # arrived last, still the record
    years = sorted((c["year"], c["canonical_url"]) for c in clusters if c["region"] == "东岭市")
    assert years == sorted((r["year"], r["url"]) for r in YEARS["reports"])


def test_same_text_of_two_years_is_never_merged(db):
    a, b = (cleaned(r["url"]) for r in YEARS["reports"])
    b.text = a.text  # identical text, yet the metadata says two different years
    record_page(db, page(YEARS["reports"][0]["url"], 1, a))
    record_page(db, page(YEARS["reports"][1]["url"], 2, b))
    assert db.execute("select count(*) from clusters").fetchone()[0] == 2


def test_rerecording_is_idempotent_and_a_lost_report_leaves_its_cluster(db):
    urls = [ORIGINAL_URL, *COPIES]
    for i, url in enumerate(urls):
        record_page(db, page(url, i))
    before = rows(db, "select * from clusters")
    for i, url in enumerate(urls):  # re-extraction into the same database
        record_page(db, page(url, i))
    after = rows(db, "select * from clusters")
    assert [(c["id"], c["n_copies"], c["canonical_url"]) for c in after] == \
        [(c["id"], c["n_copies"], c["canonical_url"]) for c in before]
    # The government page is no report any more: the best remaining copy becomes canonical.
    record_page(db, page(ORIGINAL_URL, 0, CleanResult()))
    (c,) = rows(db, "select * from clusters")
    assert c["n_copies"] == len(COPIES)
    assert c["canonical_url"] == "http://www.beipiao-gov.com" + ORIGINAL_URL.split(".cn", 1)[1]
    assert c["canonical_kind"] == "unknown"  # no government path left to mirror
    assert not rows(db, "select * from report_copies where url = ?", ORIGINAL_URL)


def test_index_is_rebuilt_from_the_database_in_a_new_process(tmp_path):
    path = tmp_path / "r.db"
    first = open_db(path)
    record_page(first, page(ORIGINAL_URL, 0))
    first.close()
    second = open_db(path)  # a new Database: its index is loaded from report_copies
    url = next(u for u, k in COPIES.items() if k == "content_farm")
    record_page(second, page(url, 1))
    assert second.execute("select count(*), max(n_copies) from clusters").fetchone() == (1, 2)
    second.close()


def test_clustering_can_be_switched_off(db):
    cluster.attach(db, enabled=False)
    record_page(db, page(ORIGINAL_URL, 0))
    assert db.execute("select count(*) from reports").fetchone()[0] == 1
    assert db.execute("select count(*) from report_copies").fetchone()[0] == 0


def test_copies_written_by_another_connection_are_seen(tmp_path):
    path = tmp_path / "r.db"
    reader, writer = open_db(path), open_db(path)
    record_page(reader, page(next(iter(COPIES)), 0))  # reader's index is loaded now
    record_page(writer, page(ORIGINAL_URL, 1))  # written behind the reader's back
    url = next(u for u, k in COPIES.items() if k == "content_farm")
    record_page(reader, page(url, 2))
    assert reader.execute("select count(*), max(n_copies) from clusters").fetchone() == (1, 3)
    reader.close()
    writer.close()


def test_reports_written_before_clustering_are_clustered_on_attach(db):
    cluster.attach(db, enabled=False)  # rows written without clustering (an older database)
    for i, url in enumerate([ORIGINAL_URL, *COPIES]):
        record_page(db, page(url, i))
    assert db.execute("select count(*) from clusters").fetchone()[0] == 0
    cluster.attach(db)
    (c,) = rows(db, "select * from clusters")
    assert c["n_copies"] == len(COPIES) + 1 and c["canonical_url"] == ORIGINAL_URL
    kinds = {r["url"]: r["kind"] for r in rows(db, "select url, kind from report_copies")}
    assert {u: kinds[u] for u in COPIES} == COPIES
