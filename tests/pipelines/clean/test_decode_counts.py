"""decode()'s byte and character counts (how much of a page is UTF-8 lead bytes, what share
of its CJK characters are frequent ones) are scans in C: each answers as the per-byte or
per-character count it replaced, on real GBK, Big5 and UTF-8 bytes read every way."""

from __future__ import annotations

from pathlib import Path

from pipelines.clean import decode
from tests.shared import CORPUS, SEEDS


def _utf8_mostly_plainly(body: bytes) -> bool:
    bad = body.decode("utf-8", "replace").count("\ufffd")
    multibyte = sum(1 for b in body if b >= 0xC0)
    return multibyte > 20 and bad <= max(4, multibyte // 20)


def _frequency_plainly(text: str, common: frozenset[str]) -> float:
    cjk = [c for c in text if "\u3400" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff"
           or "\u2500" <= c <= "\u257f" or c == "\ufffd"]
    return sum(1 for c in cjk if c in common) / len(cjk) if cjk else 0.0


def _bodies() -> list[bytes]:
    files = [f for d in (CORPUS / "encodings", CORPUS / "national-reports" / "gbk-page-dumps",
                         CORPUS / "gov-pages", SEEDS) for f in sorted(Path(d).rglob("*"))
             if f.is_file()]
    bodies = [f.read_bytes()[:40_000] for f in files]
    text = "政府工作报告：各位代表，现在我代表市人民政府向大会报告工作。ｶﾅ かな ─┼ \ufffd abc"
    bodies += [text.encode(c, "replace") for c in ("utf-8", "gb18030", "big5hkscs", "utf-16")]
    # UTF-8 with slipped GBK pairs, few and many, and nothing but lead bytes.
    bodies += [text.encode() + "报告".encode("gb18030") * n for n in (1, 5, 40)]
    # Long UTF-8 whose characters straddle the chunks it is decoded in, slips near the
    # limit, and a sequence cut short at the very end.
    long = ("政府工作报告¢" * 3000).encode()
    for n in (0, 1, 2, 3, 500, 900, 1000, 3000):
        slipped = bytearray(long)
        for i in range(n):
            slipped[(i * 7919) % len(slipped)] = 0xB0
        bodies += [bytes(slipped), bytes(slipped) + "政".encode()[:2]]
    bodies += [long[: 8192 * 2 - 1], long[: 8192 * 2]]
    # At the threshold: 20 two-byte characters and one stray lead byte (0xC0, never valid).
    return bodies + [b"", b"\xc0" * 30, bytes(range(256)) * 3, "¢".encode() * 20 + b"\xc0"]


def test_counts_answer_as_the_plain_counts() -> None:
    bodies = _bodies()
    assert len(bodies) > 60
    shares = set()
    for body in bodies:
        assert decode._utf8_mostly(body) == _utf8_mostly_plainly(body)
        for codec in ("gb18030", "big5hkscs", "utf-8"):
            text = body.decode(codec, "replace")
            for common in (decode._HANS, decode._HANT):
                share = decode._frequency(text, common)
                assert share == _frequency_plainly(text, common)
                shares.add(round(share, 1))
    assert len(shares) >= 5, shares  # soup, prose and between
