"""Varied pages for the cleaning-order tests, and a runner that cleans them in a given order.

`python -m tests.hostile.cleanpages ORDER_JSON OUT_JSON` cleans the pages at the indices in
ORDER_JSON, in that order, in a fresh process, and writes each result (as JSON) by index.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import opencc
from pypinyin import Style, pinyin

from fixtureweb import load_manifest, site_file
from tests.shared import CORPUS, SEEDS

Page = tuple[str, bytes, dict[str, str]]
HTML = {"Content-Type": "text/html; charset=utf-8"}
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}
# Damaged spots as a GBK converter leaves them (tests/pipelines/clean/test_byteslip.py), put
# into different pages: the same spot, different page context.
SPOTS = ["增速位列全省前十?!氨鶞珗A”奇觀入選基尼斯", "啟元泰富良種肉??茖W繁育中心項目建設",
         "常量稅源不穩定,“三?!眽毫薮?;民生領域短板", "我市在全國最具發展?jié)摿h域百強中提升晉位",
         "落實“秸稈變?nèi)狻惫こ?,?chuàng)新東北牧業"]
ELSEWHERE = "持續聚焦“兩不愁三保障”,脫貧人口就醫就學等各項政策措施力度不減"


def as_html(title: str, lines: list[str]) -> bytes:
    paras = "".join(f"<p>{line}</p>" for line in lines)
    return (f"<html><head><title>{title}</title></head><body><div>{paras}</div>"
            "</body></html>").encode()


def byte_slip(line: str, rng: random.Random) -> str:
    """The line through GBK with one lead byte lost, undecodable bytes read as `?`."""
    data = line.encode("gbk", "replace")
    leads = [i for i, b in enumerate(data) if b >= 0x81]
    if not leads:
        return line
    i = rng.choice(leads)
    return (data[:i] + data[i + 1 :]).decode("gbk", "replace").replace("\ufffd", "?")


def annotate(line: str, rng: random.Random) -> str:
    """Pinyin in brackets after a few characters, as some converters leave it."""
    out = []
    for ch in line:
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.05:
            out.append(f"({pinyin(ch, style=Style.TONE)[0][0]})")
    return "".join(out)


def _lines(text: str) -> list[str]:
    return [x for x in text.split("\n") if x.strip()]


def pages() -> list[Page]:
    rng = random.Random(20)
    s2t = opencc.OpenCC("s2t").convert
    out: list[Page] = []
    for site in load_manifest()["sites"]:
        headers = {"Content-Type": f"text/html; charset={site['charset']}"}
        for url in [r["url"] for r in site["reports"]] + site["distractors"][:3]:
            out.append((url, site_file(url).read_bytes(), headers))
    for path in sorted((CORPUS / "gov-pages").rglob("*.html"))[:10]:
        out.append((f"http://127.0.0.1/gov/{path.name}", path.read_bytes()[:300_000], HTML))
    for n, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        lines = _lines(path.read_text(encoding="utf-8"))[:120]
        url = f"http://127.0.0.1/seed{n}"
        title = lines[0]
        spot = SPOTS[n % len(SPOTS)]
        out += [
            (url + ".txt", "\n".join(lines).encode(), PLAIN),
            (url, as_html(title, lines), HTML),
            (url + "/digits", as_html(title, [re.sub(r"\d", "", x) for x in lines]), HTML),
            (url + "/hant", as_html(s2t(title), [s2t(x) for x in lines]), HTML),
            (url + "/slip", as_html(title, [byte_slip(x, rng) if i % 7 == 3 else x
                                            for i, x in enumerate(lines)]), HTML),
            (url + "/hant-slip", as_html(s2t(title), [byte_slip(s2t(x), rng) if i % 5 == 1
                                                      else s2t(x) for i, x in enumerate(lines)]),
             HTML),
            (url + "/pinyin", as_html(title, [annotate(x, rng) for x in lines]), HTML),
            # One damaged spot in two contexts: with the line that settles its reading on
            # the page, and without it.
            (url + "/spot", as_html(s2t(title), [s2t(x) for x in lines[:20]] + [spot]), HTML),
            (url + "/spot-ctx", as_html(s2t(title), [ELSEWHERE, *[s2t(x) for x in lines[:20]],
                                                     spot]), HTML),
            (url + "/spot-bare", as_html(s2t(title), [spot, SPOTS[2]]), HTML),
            (url + "/spot-bare-ctx", as_html(s2t(title), [spot, SPOTS[2], ELSEWHERE]), HTML),
        ]
    return out


def clean_in_order(order: list[int]) -> list[tuple[int, str]]:
    """(index, CleanResult as canonical JSON) of each page cleaned, in `order`, here."""
    from pipelines.clean.cleaner import clean

    all_pages = pages()
    results = []
    for i in order:
        url, body, headers = all_pages[i]
        results.append((i, json.dumps(clean(body, url, headers).to_dict(), ensure_ascii=False,
                                      sort_keys=True)))
    return results


if __name__ == "__main__":
    got = clean_in_order(json.loads(Path(sys.argv[1]).read_text()))
    Path(sys.argv[2]).write_text(json.dumps(got))
