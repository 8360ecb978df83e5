"""Property tests: clean() never raises, and its output never carries markup."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.clean.cleaner import clean
from pipelines.clean.maintext import clean_line

TAG_RE = re.compile(r"<[A-Za-z/!?][^<>]*>")
TAGS = ["p", "div", "span", "a", "br", "td", "table", "li", "ul", "h1", "script", "style",
        "legend", "samp", "meter", "rt", "font", "html", "body", "title", "meta", "iframe"]
ATTRS = ["", ' id="x9k"', ' style="display:none"', ' class="content"', ' hidden',
         ' style="position:absolute;left:-9999px"', ' href="/a"']
TEXTS = st.text(alphabet=st.sampled_from(list("政府工作报告各位代表，。：；、（）")) |
                st.characters(), max_size=40)
ENTITIES = st.sampled_from(["&nbsp;", "&amp;", "&lt;", "&gt;", "&#20013;", "&#x4e2d;",
                            "&amp;lt;p&amp;gt;", "&bogus;", "&", "<", ">", "<!--", "-->",
                            "<![CDATA[", "]]>", "\x00", "\ufeff", "\r\n"])


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 3 if depth < 4 else 1))
        if choice == 0:
            parts.append(html.escape(draw(TEXTS), quote=False) if draw(st.booleans())
                         else draw(TEXTS))
        elif choice == 1:
            parts.append(draw(ENTITIES))
        else:
            tag = draw(st.sampled_from(TAGS))
            attr = draw(st.sampled_from(ATTRS))
            close = f"</{tag}>" if draw(st.booleans()) else ""
            parts.append(f"<{tag}{attr}>{draw(markup(depth + 1))}{close}")
    return "".join(parts)


def assert_clean_output(result) -> None:  # noqa: ANN001 - CleanResult
    for field in (result.text, result.title):
        assert not TAG_RE.search(field), field
        for line in field.split("\n"):
            assert html.unescape(line) == line, line
    if result.text:
        lines = result.text.split("\n")
        assert all(line and line == line.strip() for line in lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_never_raises_on_arbitrary_bytes(body: bytes) -> None:
    result = clean(body, "http://www.example.gov.cn/a.html")
    assert_clean_output(result)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup(), st.sampled_from(["utf-8", "gb18030", "big5hkscs", "utf-16"]))
def test_arbitrary_markup_gives_markup_free_text(page: str, codec: str) -> None:
    body = page.encode(codec, "replace")
    result = clean(body, "http://www.example.gov.cn/a.html",
                   {"Content-Type": f"text/html; charset={codec}"})
    assert_clean_output(result)
    assert not result.errors


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_clean_line_leaves_no_markup_or_entities(text: str) -> None:
    out = clean_line(text)
    assert not TAG_RE.search(out)
    assert html.unescape(out) == out
    assert "\n" not in out and out == out.strip()


def test_odd_inputs() -> None:
    for body in (b"", b"   ", b"\x00\x00", b"<", b"<html>", b"<?xml version='1.0' encoding='gbk'?><a/>",
                 "</html>正文</body>尾".encode(), b"\xff\xfe\x00", "政府".encode("utf-16-be")):
        result = clean(body, "")
        assert_clean_output(result)
    assert clean("不是字节".encode(), "not a url ::", {"Content-Type": None}).errors == []
