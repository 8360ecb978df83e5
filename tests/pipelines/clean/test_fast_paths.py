"""The memos and line-wise paths of the cleaner change nothing it outputs.

Each page is cleaned the slow way (memos off, so every stage runs over the whole text as
one string, and no byte-slip search reused from another page) and the fast way (memos on,
pages one after another and then all again, so copies, shared lines and shared slip spots
are answered from what earlier pages left), and every field of the results must agree.
The pages: the fixture web's reports and distractors, pages of the generated sites (the
report-heavy one's are copies of a few reports: slip spots recur on differing pages), the
shared seed texts and copies of them as a crawl meets them (reposts in traditional script,
templates with the digits blanked, pages mixing two reports' lines), and a page of every
kind of damage the line-wise stages repair.
"""

from __future__ import annotations

import re

import opencc
import pytest
from lxml import etree

from fixtureweb import load_manifest, site_file
from fixtureweb.gold import load_hand_gold
from pipelines.clean.cleaner import clean, parse
from pipelines.clean.decode import decode
from pipelines.clean.markup import _hidden_candidates, hides
from pipelines.clean.memo import Memo
from pipelines.clean.repair import byteslip
from tests.cleanmemos import memos
from tests.shared import SEEDS

_Page = tuple[str, bytes, dict[str, str]]
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def fixture_pages() -> list[_Page]:
    pages = []
    for site in load_manifest()["sites"]:
        headers = {"Content-Type": f"text/html; charset={site['charset']}"}
        for url in [r["url"] for r in site["reports"]] + site["distractors"]:
            pages.append((url, site_file(url).read_bytes(), headers))
    for rec in load_hand_gold().values():
        pages.append((rec["url"], rec["body"], {"Content-Type": f"text/html; charset={rec['charset']}"}))
    return pages


def site_pages() -> list[_Page]:
    from bench.cleanbench import generated_pages, report_pages

    pages = report_pages(3000, 120) + generated_pages(1000, 150)
    return [(p.url, p.body, p.headers) for p in pages]


# Lost indentation, bare `??` runs, pinyin annotated twice (two rounds), a slip, doubled
# marks, half-width marks and full-width digits, on lines that repeat.
DAMAGED = ["??各位代表：", "　? 现在，我代表市人民政府作报告，请予审议。",
           "發(fā)(fā)展是第一要務(wù)，，全年增長(zhǎng)６.５%。",
           "推进??建设, 完成投资12亿元;;质量(zhì)提升。",
           "加快肉牛產業?nèi)發展,牛存栏達到１２万头。"]


def damaged_pages() -> list[_Page]:
    lines = DAMAGED * 3
    return [("http://127.0.0.1/damaged", as_html("政府工作報告", lines), HTML),
            ("http://127.0.0.1/damaged.txt", "\n".join(lines).encode(), PLAIN)]


def as_html(title: str, lines: list[str]) -> bytes:
    paras = "".join(f"<p>{line}</p>" for line in lines)
    return f"<html><head><title>{title}</title></head><body><div>{paras}</div></body></html>".encode()


def seed_pages() -> list[_Page]:
    """The seeds, and the copies of them a crawl of a report-heavy site meets."""
    if not SEEDS.exists():
        return []
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    s2t = opencc.OpenCC("s2t").convert
    pages: list[_Page] = []
    for n, text in enumerate(texts):
        lines = [x for x in text.split("\n") if x.strip()]
        other = [x for x in texts[(n + 1) % len(texts)].split("\n") if x.strip()]
        mixed = [x for pair in zip(lines, other, strict=False) for x in pair]
        url = f"http://127.0.0.1/{n}"
        pages += [
            (url, text.encode(), PLAIN),
            (url + "/html", as_html(lines[0], lines), HTML),
            (url + "/repost", as_html(lines[0], lines[:40]), HTML),
            (url + "/hant", as_html(s2t(lines[0]), [s2t(x) for x in lines]), HTML),
            (url + "/x", as_html(lines[0], [re.sub(r"\d", "×", x) for x in lines]), HTML),
            (url + "/mixed", as_html(lines[0], mixed), HTML),
        ]
    return pages


def slow(pages: list[_Page]) -> list[dict]:
    out = []
    with memos(False):
        for url, body, headers in pages:
            byteslip.forget()  # every search runs on its own page
            out.append(clean(body, url, headers).to_dict())
    return out


def fast(pages: list[_Page]) -> list[list[dict]]:
    with memos(True):
        return [[clean(body, url, headers).to_dict() for url, body, headers in pages]
                for _ in range(2)]


PAGES = {"fixtures": fixture_pages, "site": site_pages, "seeds": seed_pages,
         "damaged": damaged_pages}


@pytest.mark.parametrize("kind", PAGES)
def test_fast_paths_clean_as_the_slow_ones(kind: str) -> None:
    pages = PAGES[kind]()
    if not pages:
        pytest.skip("shared seeds not mounted")
    want = slow(pages)
    assert any(r["removals"] for r in want)
    for run in fast(pages):
        for (url, _, _), got, expected in zip(pages, run, want, strict=True):
            assert got == expected, url


def test_slip_pages_are_searched_and_reused() -> None:
    # The comparison above is only worth something where searches ran and were reused.
    pages = seed_pages()
    if not pages:
        pytest.skip("shared seeds not mounted")
    with memos(True):
        slipped = [url for url, body, headers in pages
                   if any(r.kind == "byte_slip" for r in clean(body, url, headers).removals)]
    assert len(slipped) >= 3, slipped


def test_a_result_is_its_own() -> None:
    # The memo hands out its answer to every copy: a caller changing its result's lists
    # must not change the next copy's.
    url, body, headers = damaged_pages()[0]
    first = clean(body, url, headers)
    first.removals.clear()
    assert clean(body, url, headers).removals


# The style test as one XPath predicate, as markup.remove_hidden asked it before.
_STYLE_XPATH = etree.XPath(
    "//*[@style][contains(translate(@style,'DISPLAYNOVTHE','displaynovthe'),'none')"
    " or contains(translate(@style,'VISBLTYHDN','visbltyhdn'),'hidden')"
    " or contains(@style,'-') or contains(@style,'clip')] | //*[@hidden]"
)
STYLES = ["display:NONE", "DISPLAY: none", "visibility:HIDDEN", "visibility:hiddEn",
          "VISIBILITY:HIDDEN", "text-indent:2em", "clip:rect(0 0 0 0)", "CLIP:rect(0)",
          "color:red", "", "Display:None;", "overflow:Hidden"]


def test_hidden_candidates_are_those_of_the_xpath_predicate() -> None:
    styled = "".join(f'<p style="{s}">x</p>' for s in STYLES) + "<div hidden>y</div><p>z</p>"
    roots = [parse(f"<html><body>{styled}</body></html>")]
    roots += [parse(decode(body, headers)[0]) for _, body, headers in fixture_pages()]
    for root in roots:
        assert root is not None
        want = [el for el in _STYLE_XPATH(root)
                if el.get("hidden") is not None or hides(el.get("style", ""))]
        assert _hidden_candidates(root) == want


def test_page_pairs_answer_as_a_scan_of_the_page() -> None:
    from pipelines.clean.repair.charmodel import to_simplified
    from pipelines.clean.repair.charsearch import AskedPairs, PagePairs

    text = "發展经济，发展產業；業務\n展开發展。發發展"
    s = to_simplified(text)
    page = PagePairs(text)
    among = frozenset(s) | {"x"}
    for ch in set(s) - {"\n"}:
        after = {s[i + 1] for i in range(len(s) - 1) if s[i] == ch} - {"\n"}
        before = {s[i - 1] for i in range(1, len(s)) if s[i] == ch} - {"\n"}
        assert page.after(ch, among) == after and page.before(ch, among) == before, ch
        assert page.after(ch, frozenset("展x")) == after & {"展"}
    view = AskedPairs(page)
    view.after("发", frozenset("展经"))
    view.before("展", frozenset("发开"))
    assert PagePairs(text).answers(view.asked)
    # Only what was asked counts: other pairs may differ, an asked one may not.
    assert PagePairs(text + "\n发生展览").answers(view.asked)
    assert not PagePairs(text + "\n发经").answers(view.asked)
    assert not PagePairs(text + "\n开展").answers(view.asked)


def test_prefilters_agree_with_the_patterns_they_spare() -> None:
    from pipelines.clean import classify
    from pipelines.clean.cleaner import _CONTROL_RE, _utf8_without_controls
    from pipelines.clean.repair.chain import _SURROGATE, _encodes

    texts = ["政府工作报告\n各位代表：", "", "a\tb\r\nc", "x\u3000y\xa0z", "€\U0001f600"]
    texts += [f"中{chr(c)}文" for c in [*range(0x20), 0x7F, 0x80, 0xFFFD, 0xFFFE, 0xFFFF,
                                       0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000]]
    texts += [body.decode("utf-8", "replace") for _, body, _ in damaged_pages()]
    for text in texts:
        found = bool(_CONTROL_RE.search(text))
        assert (_utf8_without_controls(text) is None) == found, repr(text)
        assert _encodes(text) == (not _SURROGATE.search(text)), repr(text)
        lines = text.split("\n")
        assert classify._cjk_lines(lines) == classify.cjk_len(text)



def test_a_memo_stays_within_its_bound() -> None:
    from pipelines.clean.memo import ENTRY

    calls: list[str] = []
    memo = Memo(lambda s: calls.append(s) or s.upper(), budget=10 * (ENTRY + 3), longest=5)
    try:
        for n in range(100):
            assert memo(f"a{n:02d}") == f"A{n:02d}"
            assert memo._held <= memo.budget and len(memo) <= 10
        assert memo("a99") == "A99" and calls.count("a99") == 1  # kept: among the newest
        assert memo("a00") == "A00" and calls.count("a00") == 2  # forgotten: the oldest
        memo("x" * 6)
        memo("x" * 6)
        assert calls.count("x" * 6) == 2  # longer than `longest`: never kept
    finally:
        Memo._all.remove(memo)


def _roots() -> list[etree._Element]:
    """Parsed fixture and generated pages, and a page of every trigger the prefilters spare."""
    styled = "".join(f'<p style="{s}">x</p>' for s in STYLES)
    odd = ('<body><div id="s"><ul><li><a>1</a></li><li><a>2</a></li><li><a>3</a></li>'
           '<li><a>4</a></li><li>5</li></ul></div><ol><li><b><a>x</a></b></li>'
           '<li><a>y</a></li><li><a>z</a></li><li><a>w</a></li><p><a>v<b>u</b>t</a><a></a></p></ol>'
           '<span id="s"></span><i id="s"></i><b id="s"></b><em id="s"></em>'
           '<div width="0" style="color:red">a</div><td height="1">b</td>'
           '<span style="FONT-SIZE:0"><i style="font-size:12px">c</i></span>'
           '<p style="opacity:0">d</p><p style="Max-Height:0;overflow:hidden">e</p></body>')
    roots = [parse(f"<html><body>{styled}</body></html>"), parse(f"<html>{odd}</html>")]
    pages = fixture_pages() + site_pages()
    roots += [parse(decode(body, headers)[0]) for _, body, headers in pages]
    return [root for root in roots if root is not None]


_OLD_TEASERS = etree.XPath(
    "//*[self::ul or self::ol][count(li[.//a]) >= 4 and count(li[.//a]) * 2 >= count(li)]"
    "/li[.//a]")
_OLD_STYLED = etree.XPath("//body//*[@style or @width or @height]")
_OLD_IDS = etree.XPath("//*[@id]")


def test_tree_prefilters_find_what_the_full_walks_find() -> None:
    from collections import Counter

    from pipelines.clean.hidden import _STRING, link_text, zero_size, zero_size_boxes
    from pipelines.clean.maintext import teaser_items
    from pipelines.clean.markup import _ID_VALUES

    roots = _roots()
    seen = Counter()
    for root in roots:
        body = root.find(".//body")
        teasers = teaser_items(body)
        assert teasers == set(_OLD_TEASERS(body))
        boxes = zero_size_boxes(root)
        assert boxes == [el for el in _OLD_STYLED(root) if zero_size(el)]
        assert all(link_text(a) == _STRING(a) for a in root.iter("a"))
        ids = Counter(_ID_VALUES(root))
        assert ids == Counter(el.get("id") for el in _OLD_IDS(root))
        seen.update(teasers=bool(teasers), boxes=bool(boxes), soup=max(ids.values(), default=0) >= 5)
    # The comparisons above are only worth something where each walk found something.
    assert seen["teasers"] and seen["boxes"] and seen["soup"], seen


def test_a_memo_keeps_what_is_asked_again() -> None:
    from pipelines.clean.memo import ENTRY

    calls: list[str] = []
    memo = Memo(lambda s: calls.append(s) or s, budget=3 * (ENTRY + 2))
    try:
        for n in range(10):
            memo("aa")
            memo(f"{n:02d}")
        assert calls.count("aa") == 1  # asked every round: never the least recently used
        assert memo("00") == "00" and calls.count("00") == 2
    finally:
        Memo._all.remove(memo)
