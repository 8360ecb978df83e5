"""The publication date in the info-bar shapes of the site-template audit (s10): two labels
on one line, a 年月日 date with a time before a source label, and a dateline that is no info
bar."""

from __future__ import annotations

import pytest

from pipelines.clean.cleaner import clean

_PROSE = "".join(
    f"<p>过去一年，全县上下齐心协力，第{i}项重点任务按期完成，城乡居民收入稳步增长，营商环境持续改善。</p>"
    for i in range(1, 31))
_HEAD = "<p>——2024年1月8日在青岭县第十八届人民代表大会第四次会议上</p><p>县长 欧阳明</p><p>各位代表：</p>"


def _published(info: str, where: str = "above") -> str | None:
    bar = f"<div class='info'>{info}</div>"
    body = f"<div class='con'>{_HEAD}{_PROSE}</div>"
    article = bar + body if where == "above" else body + bar
    page = (f"<html><head><meta charset='utf-8'><title>2024年青岭县政府工作报告</title></head><body>"
            f"<div class='art'><h1>2024年青岭县政府工作报告</h1>{article}</div></body></html>")
    return clean(page.encode(), "http://www.qingling.gov.cn/zwgk/zfgzbg/index.html").published


@pytest.mark.parametrize("where", ["above", "below"])
def test_the_published_label_wins_over_the_updated_one_on_the_same_line(where: str) -> None:
    assert _published("更新时间：2024-03-02 10:00　发布时间：2024-01-16 09:00", where) == "2024-01-16T09:00:00"


@pytest.mark.parametrize("where", ["above", "below"])
def test_a_cn_date_with_a_time_before_a_source_label_is_the_published_date(where: str) -> None:
    assert _published("2024年01月16日 15:30　来源：县政府办", where) == "2024-01-16T15:30:00"


def test_a_dateline_is_no_published_date() -> None:
    assert _published("县政府办") is None
