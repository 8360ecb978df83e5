"""Fuzz the decode/clean path with hypothesis: random bytes, random markup, hostile markup.

CI runs a small budget; ``FUZZ_EXAMPLES=20000 pytest tests/pipelines/clean/test_fuzz_clean.py`` is the long
run.  The contract under test: bytes in, a CleanResult out — never an exception, never a
lone surrogate or control character in the text, never a slow blow-up.
"""

from __future__ import annotations

import os
import random
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.clean.cleaner import clean
from pipelines.clean.decode import decode

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
CHARSETS = st.sampled_from(["utf-8", "gb2312", "gbk", "gb18030", "big5", "iso-8859-1",
                            "utf-16", "no-such-charset", "", "utf-8; q=\x00", "x" * 300])
TAGS = st.sampled_from(["html", "head", "body", "div", "p", "span", "table", "tr", "td", "a",
                        "title", "meta", "script", "style", "br", "font", "center", "iframe",
                        "h1", "ul", "li", "svg", "math", "template", "noscript", "xmp"])
TEXT = st.lists(st.sampled_from(
    list("政府工作报告市长代表各位一二三年度经济发展〇、，。：；“”《》\u3000 \n\t<>&;\"'=/")
    + ["&nbsp;", "&#x4e00;", "&#0;", "&#xD800;", "&amp", "<!--", "-->", "<![CDATA[", "]]>",
       "\ufeff", "\u200b", "\x00", "\ufffd", "&lol;", "<?xml ?>", "<!DOCTYPE html>"]),
    max_size=60).map("".join)


def _check(body: bytes, headers: dict[str, str]) -> None:
    start = time.perf_counter()
    result = clean(body, "http://www.example.gov.cn/a.html", headers)
    elapsed = time.perf_counter() - start
    assert isinstance(result.text, str) and isinstance(result.is_report, bool)
    assert not BAD_CHARS.search(result.text)
    assert not BAD_CHARS.search(result.title or "")
    assert elapsed < 10, f"{len(body)} bytes took {elapsed:.1f}s"
    return result


@st.composite
def markup(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 5 if depth < 6 else 1))
        if kind <= 1:
            parts.append(draw(TEXT))
        else:
            tag = draw(TAGS)
            attrs = draw(st.sampled_from(["", ' class="content"', " style='display:none'",
                                          ' id="zoom"', ' href="javascript:x"', " a=b=c",
                                          ' charset="gbk"', " <", ' src="file:///etc/passwd"']))
            inner = draw(markup(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</div>"]))
            parts.append(f"<{tag}{attrs}>{inner}{close}")
    return "".join(parts)


@FUZZ
@given(body=st.binary(max_size=4096), charset=CHARSETS)
def test_random_bytes_never_raise(body, charset):
    text = decode(body, {"Content-Type": f"text/html; charset={charset}"})
    assert isinstance(text if isinstance(text, str) else text[0], str)
    _check(body, {"Content-Type": f"text/html; charset={charset}"})


@FUZZ
@given(doc=markup(), charset=CHARSETS, encoding=st.sampled_from(["utf-8", "gb18030", "big5"]))
def test_random_markup_never_raises(doc, charset, encoding):
    body = doc.encode(encoding, "replace")
    _check(body, {"Content-Type": f"text/html; charset={charset}"})


@FUZZ
@given(depth=st.integers(100, 30_000), tag=TAGS, text=TEXT)
def test_deep_nesting_is_bounded(depth, tag, text):
    body = ("<html><body>" + f"<{tag}>" * depth + text).encode()
    _check(body, {"Content-Type": "text/html; charset=utf-8"})


def test_external_entities_and_entity_expansion_are_not_resolved():
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
            f'<!ENTITY l0 "lol">{laughs}]><html><head><title>政府工作报告</title></head>'
            "<body><p>&xxe;</p><p>&l9;</p><p>各位代表：现在，我代表市人民政府作报告。</p>"
            "</body></html>").encode()
    result = _check(body, {"Content-Type": "text/html; charset=utf-8"})
    assert "root:" not in result.text and "lollollol" not in result.text


def test_binary_page_raises_nothing_inside_the_cleaner():
    body = random.Random(7).randbytes(200_000)  # the fault web's /binary.html
    result = _check(body, {"Content-Type": "text/html; charset=utf-8"})
    assert not [e for e in result.errors if re.match(r"\w+Error: ", e)], result.errors
