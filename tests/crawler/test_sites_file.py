"""The shipped sites file (crawler/sites.toml) and its loader (pipelines/store/sites.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtureweb import load_manifest
from fixtureweb.demo import FIXTURE_SITES
from pipelines.store.sites import LEVELS, SitesFileError, load_sites, normalize_host, select_sites
from tests.paths import REPO

SITES_FILE = REPO / "crawler" / "sites.toml"
SITES = load_sites(SITES_FILE)
GOVERNMENT = [s for s in SITES if s.kind == "government"]


def test_seed_sources_are_listed_with_the_fixture_hostnames():
    fixture_hosts = {site["host"] for site in load_manifest()["sites"]}
    listed = {h for s in SITES for h in s.hosts}
    assert fixture_hosts <= listed
    names = {s.region for s in SITES}
    assert {"北票市", "洮南市", "北镇市", "铁东区"} <= names
    assert any(s.kind == "content_farm" and "www.jiuligongwen.com" in s.hosts for s in SITES)


def test_at_least_thirty_more_governments_from_several_provinces():
    assert len(GOVERNMENT) >= 4 + 30
    provinces = {s.province for s in GOVERNMENT}
    assert len(provinces) >= 8
    assert {s.level for s in GOVERNMENT} >= {"市", "县", "区", "旗"}


def test_every_entry_has_region_level_province_and_its_own_hosts():
    for site in GOVERNMENT:
        assert site.region and site.province, site.name
        assert site.level in LEVELS, site.name
        assert site.region.endswith(site.level) or site.level == "区", site.name
        assert site.name.endswith("人民政府"), site.name
    for site in SITES:
        assert site.hosts and site.start_urls, site.name
        for url in site.start_urls:
            assert normalize_host(url.split("/")[2]) in site.host_keys


def test_no_two_entries_claim_the_same_host():
    seen: dict[str, str] = {}
    for site in SITES:
        for key in site.host_keys:
            assert key not in seen, f"{key}: {seen.get(key)} and {site.name}"
            seen[key] = site.name
    names = [s.name for s in SITES]
    assert len(names) == len(set(names))


def test_selection_by_region_name_and_host():
    jilin = select_sites(SITES, ["吉林"])
    assert jilin and all(s.province == "吉林省" for s in jilin)
    assert {"洮南市", "铁东区"} <= {s.region for s in jilin}
    assert [s.region for s in select_sites(SITES, ["洮南市人民政府"])] == ["洮南市"]
    assert [s.region for s in select_sites(SITES, ["taonan.gov.cn"])] == ["洮南市"]
    assert [s.region for s in select_sites(SITES, ["北镇市", "www.beipiao.gov.cn"])] == [
        "北票市", "北镇市"]
    assert select_sites(SITES, ["不存在市"]) == []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[[site]]
name = "甲市人民政府"
region = "甲市"
level = "市"
province = "吉林省"
hosts = ["www.jia.gov.cn"]
start_urls = ["http://www.jia.gov.cn/"]
report_columns = ["http://www.jia.gov.cn/zwgk/zfgzbg/"]
column_keywords = ["年度报告"]
max_pages = 50
verified = false
"""


def test_overrides_are_read(tmp_path):
    (site,) = load_sites(write(tmp_path, GOOD))
    assert site.report_columns == ("http://www.jia.gov.cn/zwgk/zfgzbg/",)
    assert site.column_keywords == ("年度报告",)
    assert site.max_pages == 50 and site.verified is False


@pytest.mark.parametrize(("change", "message"), [
    (('level = "市"', 'level = "村"'), "level must be one of"),
    (('region = "甲市"\n', ""), "lacks region"),
    (('province = "吉林省"\n', ""), "lacks province"),
    (('start_urls = ["http://www.jia.gov.cn/"]', 'start_urls = ["ftp://www.jia.gov.cn/"]'),
     r"non-http\(s\) URL"),
    (('start_urls = ["http://www.jia.gov.cn/"]', 'start_urls = ["http://www.yi.gov.cn/"]'),
     "not on one of its hosts"),
    (("max_pages = 50", "max_pages = -1"), "positive integer"),
    (("verified = false", 'verified = "no"'), "true or false"),
    (('hosts = ["www.jia.gov.cn"]', 'hosts = "www.jia.gov.cn"'), "list of non-empty strings"),
    (("[[site]]", "[[site]\n"), "not valid TOML"),
])
def test_bad_entries_are_clear_errors(tmp_path, change, message):
    with pytest.raises(SitesFileError, match=message):
        load_sites(write(tmp_path, GOOD.replace(*change)))


def test_duplicate_host_is_an_error(tmp_path):
    other = GOOD.replace("甲市人民政府", "乙市人民政府").replace("www.jia.gov.cn/zwgk", "jia.gov.cn/zwgk")
    # same host spelled without www: still the same site
    other = other.replace('hosts = ["www.jia.gov.cn"]', 'hosts = ["JIA.gov.cn"]')
    other = other.replace("http://www.jia.gov.cn/", "http://jia.gov.cn/")
    with pytest.raises(SitesFileError, match="jia.gov.cn is claimed by both"):
        load_sites(write(tmp_path, GOOD + other))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SitesFileError, match="not found"):
        load_sites(tmp_path / "nope.toml")


def test_fixture_sites_file_is_the_seed_part_of_the_shipped_one():
    fixture = load_sites(FIXTURE_SITES)
    assert fixture == SITES[: len(fixture)]
    assert {h for s in fixture for h in s.hosts} == {s["host"] for s in load_manifest()["sites"]}
