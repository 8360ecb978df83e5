from __future__ import annotations

import glob
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.clean.spamwords import strip_spam_words
from tests.shared import SEEDS


def test_seed_003_title() -> None:
    title = "2020年完美体育365_365娱乐场体育投注_365bet投注技巧铁东区政府工作报告"
    out, removals = strip_spam_words(title)
    assert out == "2020年铁东区政府工作报告"
    assert [r.kind for r in removals] == ["spam_word"]
    assert removals[0].text == "完美体育365_365娱乐场体育投注_365bet投注技巧"


@pytest.mark.parametrize("text", [
    "新建体育场、体育馆，开展全民健身活动",
    "销售体育彩票3.2亿元，福利彩票2亿元",
    "居住在体育小区的居民",
    "严厉打击淫秽色情、赌博等违法犯罪",
    "查处虚开发票案件12起",
    "2021年完成投资365亿元",
    "GDP_2020年",
])
def test_ordinary_text_survives(text: str) -> None:
    assert strip_spam_words(text) == (text, [])


def test_chains_and_lone_strong_terms() -> None:
    assert strip_spam_words("通知_百家乐_老虎机|时时彩")[0] == "通知"
    assert strip_spam_words("关于百家乐的通知")[0] == "关于的通知"
    assert strip_spam_words("Bet365官网")[0] == ""


@pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not mounted")
def test_seed_003_body() -> None:
    text = Path(glob.glob(str(SEEDS / "003_*.txt"))[0]).read_text(errors="replace")
    out, removals = strip_spam_words(text)
    assert "完美体育" not in out and "铁东区政府工作报告" in out
    assert out.count("\n") == text.count("\n")
    assert removals and {r.text for r in removals} == {"完美体育365_365娱乐场体育投注_365bet投注技巧"}


@given(st.text())
def test_properties(text: str) -> None:
    out, _ = strip_spam_words(text)
    assert out.count("\n") == text.count("\n")
    assert strip_spam_words(out)[0] == out


# --- spam without a lexicon entry: recognised by its shape --------------------------------
def test_unseen_brand_in_brackets_and_title_segments() -> None:
    # Brands no lexicon holds; the vocabulary around them (娱乐, 官网, 真人, 投注) marks them.
    title = "【泰丰国际娱乐官网】2021年某县政府工作报告_泰丰真人视讯|足彩投注平台"
    out, removals = strip_spam_words(title)
    assert out == "2021年某县政府工作报告"
    assert {r.kind for r in removals} == {"spam_word"}
    assert "【泰丰国际娱乐官网】" in {r.text for r in removals}


def test_page_learns_its_spam_and_finds_it_spliced_into_prose() -> None:
    text = ("【泰丰国际娱乐官网】2021年某县政府工作报告_泰丰真人视讯\n"
            "全年新建泰丰真人视讯农村公路92条。\n"
            "改造泰丰百家乐老旧小区24个。")
    out, removals = strip_spam_words(text)
    assert out.split("\n") == ["2021年某县政府工作报告", "全年新建农村公路92条。", "改造老旧小区24个。"]
    assert all(r.text for r in removals)


@pytest.mark.parametrize("text", [
    "加强娱乐场所安全管理，开展文化娱乐活动",
    # An ordinary word holding a strong term (娱乐场) is no spam where it ends a phrase.
    "规范娱乐场所。",
    "对全县娱乐场所、网吧、宾馆开展安全检查。",
    "整治网吧、娱乐场所，净化社会环境",
    "新建体育馆一座，发展体育事业，推进全民健身",
    "【专题】2022年政府工作报告_北镇市人民政府_门户网站",
    "2022年政府工作报告|北镇市人民政府官网",
    "讲述真人真事，规范棋牌室经营",
    "1.“六稳”工作：稳就业、稳金融_稳外贸",
])
def test_ordinary_words_and_site_titles_survive(text: str) -> None:
    assert strip_spam_words(text) == (text, [])


def test_a_chain_listing_ordinary_words_goes_whole() -> None:
    # SEO chains list 体育彩票, 门户网站 beside casino terms: one such word must not shield
    # the whole chain (it was kept, 28 KB of it opening a hacked page's report).
    chain = "澳门赌场_体育彩票_百家乐_门户网站_" * 50
    out, removals = strip_spam_words(f"各位代表：\n{chain}\n现在，我代表县人民政府向大会报告工作。")
    assert out == "各位代表：\n\n现在，我代表县人民政府向大会报告工作。"
    assert removals and all("百家乐" in r.text for r in removals)


@pytest.mark.parametrize(("text", "expected"), [
    ("某某县政府官网_澳门百家乐", "某某县政府官网"),
    ("百家乐_老虎机_体育彩票公益金", "体育彩票公益金"),
    ("加强娱乐场所管理_百家乐_老虎机", "加强娱乐场所管理"),
    ("某某县_政府官网_百家乐", "某某县"),  # between separators: a listed keyword
    ("体育彩票_百家乐_老虎机", ""),
])
def test_an_ordinary_word_glued_to_the_text_at_a_chains_end_stays(text: str,
                                                                   expected: str) -> None:
    assert strip_spam_words(text)[0] == expected


def test_segment_holding_real_words_is_not_taken_whole() -> None:
    # A title chain glued to the real title: the known chain goes, the title stays.
    out, _ = strip_spam_words("2020年泰丰娱乐_365bet投注技巧铁东区政府工作报告")
    assert out.endswith("铁东区政府工作报告")


def test_spam_links_need_more_than_a_section_name() -> None:
    from pipelines.clean.spamwords import is_spam_link

    assert is_spam_link("泰丰棋牌娱乐城") and is_spam_link("真人百家乐开户")
    assert not is_spam_link("娱乐") and not is_spam_link("体育") and not is_spam_link("体育彩票")


@pytest.mark.parametrize(("title", "expected"), [
    ("2021年某县政府工作报告 - 金樽国际娱乐 - 真人百家乐", "2021年某县政府工作报告"),
    ("政府工作报告-金樽娱乐城-某县人民政府", "政府工作报告-某县人民政府"),
    ("政府工作报告—金樽真人娱乐", "政府工作报告"),
    ("〖金樽娱乐官网〗2021年政府工作报告", "2021年政府工作报告"),
    # Words after the vocabulary are real text glued to it: only the known chain goes.
    ("2021年政府工作报告_365bet投注技巧某县报告", "2021年政府工作报告某县报告"),
])
def test_title_segments_by_every_separator(title: str, expected: str) -> None:
    assert strip_spam_words(title)[0] == expected


def test_brand_spliced_into_prose_keeps_the_punctuation_around_it() -> None:
    out, _ = strip_spam_words("【金樽国际官网】某县政府工作报告\n推进金樽真人娱乐改革，金樽百家乐完成任务。")
    assert out == "某县政府工作报告\n推进改革，完成任务。"


def test_prose_lines_are_never_cut_into_segments() -> None:
    # Only the title is a chain of segments; a body line keeps its words around known spam.
    text = "标题\n由完美体育365_365娱乐场体育投注_365bet投注技巧政府提出"
    assert strip_spam_words(text)[0] == "标题\n由政府提出"
