"""Cleaning benchmark: ``python -m bench.clean`` (``make bench-clean``).

Runs our ``pipelines.clean.clean`` and the peers — trafilatura, GNE, readability-lxml,
resiliparse and magic-html, each followed by OpenCC t2s so script is no handicap — over the
same pages in one run: every fixture report page and hand-written gold page (scored against
``fixtureweb/gold``), every fixture distractor, and the real non-report pages of
``/work/shared/corpus/gov-pages``; prints a side-by-side table, also written to
``bench/results-clean.md``.  A peer that cannot be installed here is listed as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench import hostile
from fixtureweb import load_manifest, site_file
from fixtureweb.gold import GOLD_DIR, load_gold, load_hand_gold
from fixtureweb.gold.score import f1

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "gov-pages"
RESULTS = Path(__file__).resolve().parent / "results-clean.md"
# Fallback lexicon: the gambling terms injected into seed 003's title.
FALLBACK_SPAM = ("完美体育365", "365娱乐场", "体育投注", "365bet投注技巧")
PINYIN = re.compile(r"\((?:[a-zàáâãäāǎèéêěēìíîǐīòóôǒōùúûǔūǖǘǚǜü]+)\)")


@dataclass
class Page:
    url: str
    body: bytes
    headers: dict[str, str]
    kind: str  # report | distractor | corpus
    gold: str = ""
    chrome: list[str] = field(default_factory=list)  # planted furniture (hand pages)
    spam: list[str] = field(default_factory=list)  # planted spam phrases (hand pages)


@dataclass
class Output:
    text: str
    is_report: bool | None = None  # None: the system does not classify


@dataclass
class Tally:
    name: str
    f1s: list[float] = field(default_factory=list)
    spam_left: int = 0
    trad_left: int = 0
    slips_left: int = 0
    distractors_as_report: int | None = None
    failures: int = 0
    seconds: float = 0.0
    chrome_left: int = 0
    qmarks_left: int = 0
    unavailable: str = ""  # why the system could not run here


def load_pages() -> list[Page]:
    gold = load_gold()
    pages: list[Page] = []
    for site in load_manifest()["sites"]:
        headers = {"Content-Type": f"text/html; charset={site['charset']}"}
        for rep in site["reports"]:
            text = gold[site["host"]]["text"]
            pages.append(
                Page(rep["url"], site_file(rep["url"]).read_bytes(), headers, "report", text)
            )
        for url in site["distractors"]:
            pages.append(Page(url, site_file(url).read_bytes(), headers, "distractor"))
    for rec in load_hand_gold().values():
        headers = {"Content-Type": f"text/html; charset={rec['charset']}"}
        pages.append(Page(rec["url"], rec["body"], headers, "report", rec["text"],
                          rec["chrome"], rec["spam"]))
    if CORPUS.is_dir():
        for path in sorted(CORPUS.rglob("*.html")):
            url = "file://" + str(path)
            pages.append(Page(url, path.read_bytes(), {"Content-Type": "text/html"}, "corpus"))
    return pages


def spam_lexicon() -> list[str]:
    """The lexicon's strong terms: weak ones (官网, 下载, 彩票) are ordinary words on their own."""
    from pipelines.clean.spamwords import lexicon

    strong, _ = lexicon()
    return strong or list(FALLBACK_SPAM)


def slip_forms() -> list[str]:
    """Garbled forms listed in the gold README's tables (first backticked cell of a row)."""
    text = (GOLD_DIR / "README.md").read_text(encoding="utf-8")
    return re.findall(r"(?m)^\| *\d+ *\| *`([^`]+)`", text)


def _has_slips(page: Page) -> bool:
    """The page carries the gold README's garbled forms (the damaged 洮南 text)."""
    forms = slip_forms()
    return bool(forms) and forms[0].encode("utf-8") in page.body


def ours() -> Callable[[Page], Output]:
    from pipelines.clean.cleaner import clean

    def run(page: Page) -> Output:
        result = clean(page.body, page.url, page.headers)
        return Output(result.text, result.is_report)

    return run


def _t2s() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("t2s").convert


def _decoded(page: Page) -> str:
    """The page as text, decoded as our cleaner decodes it, for peers that take a str."""
    from pipelines.clean.decode import decode

    return decode(page.body, page.headers)[0]


def trafilatura_runner() -> Callable[[Page], Output]:
    import trafilatura

    t2s = _t2s()

    def run(page: Page) -> Output:
        # Bytes as fetched: trafilatura does its own charset detection.
        text = trafilatura.extract(page.body, url=page.url, favor_precision=False)
        return Output(t2s(text or ""))

    return run


def gne_runner() -> Callable[[Page], Output]:
    from gne import GeneralNewsExtractor

    t2s = _t2s()

    def run(page: Page) -> Output:
        return Output(t2s(GeneralNewsExtractor().extract(_decoded(page)).get("content") or ""))

    return run


def readability_runner() -> Callable[[Page], Output]:
    import lxml.html
    from readability import Document

    t2s = _t2s()

    def run(page: Page) -> Output:
        summary = Document(_decoded(page)).summary(html_partial=True)
        return Output(t2s("\n".join(lxml.html.fromstring(summary).itertext())))

    return run


def resiliparse_runner() -> Callable[[Page], Output]:
    from resiliparse.extract.html2text import extract_plain_text

    t2s = _t2s()

    def run(page: Page) -> Output:
        return Output(t2s(extract_plain_text(_decoded(page), main_content=True)))

    return run


def magic_html_runner() -> Callable[[Page], Output]:
    from magic_html import GeneralExtractor

    t2s = _t2s()

    def run(page: Page) -> Output:
        out = GeneralExtractor().extract(_decoded(page), base_url=page.url)
        return Output(t2s(out.get("html", "") if isinstance(out, dict) else str(out)))

    return run


# (name, PyPI distribution, runner factory); factories import lazily, so a peer missing
# here is reported in the table instead of stopping the run.
PEERS: list[tuple[str, str, Callable[[], Callable[[Page], Output]]]] = [
    ("trafilatura.extract", "trafilatura", trafilatura_runner),
    ("GNE", "gne", gne_runner),
    ("readability-lxml", "readability-lxml", readability_runner),
    ("resiliparse", "resiliparse", resiliparse_runner),
    ("magic-html", "magic-html", magic_html_runner),
]
# Why a peer cannot be installed on this machine, when that is known.
NOT_INSTALLABLE = {
    "magic-html": "not installable here: its only PyPI release (0.1.8) requires Python >= 3.12,"
                  " the project runs on 3.11",
}


def measure(name: str, run: Callable[[Page], Output], pages: list[Page], repeat: int) -> Tally:
    import opencc

    t2s = opencc.OpenCC("t2s")
    tally = Tally(name)
    spam, slips = spam_lexicon(), slip_forms()
    variants = [
        {s, t2s.convert(s), PINYIN.sub("", s), t2s.convert(PINYIN.sub("", s))} for s in slips
    ]
    outputs: list[Output] = []
    for page in pages:
        try:
            outputs.append(run(page))
        except Exception:  # noqa: BLE001 - a crash is a result, counted, not fatal
            tally.failures += 1
            outputs.append(Output(""))
    for page, out in zip(pages, outputs, strict=True):
        lowered = out.text.lower()
        tally.spam_left += sum(lowered.count(term) for term in spam)
        tally.spam_left += sum(out.text.count(term) for term in page.spam)
        tally.chrome_left += sum(out.text.count(line) for line in page.chrome)
        if page.kind == "report":
            tally.qmarks_left += out.text.count("?") + out.text.count("？")
            tally.f1s.append(f1(page.gold, out.text))
            changed = {ch for ch in set(out.text) if t2s.convert(ch) != ch}
            tally.trad_left += sum(1 for ch in out.text if ch in changed)
            tally.slips_left += sum(1 for forms in variants if any(v in out.text for v in forms))
        if page.kind == "distractor" and out.is_report is not None:
            tally.distractors_as_report = (tally.distractors_as_report or 0) + int(out.is_report)
    start = time.perf_counter()
    for _ in range(repeat):
        for page in pages:
            try:
                run(page)
            except Exception:  # noqa: BLE001, S112 - already counted above
                continue
    tally.seconds = time.perf_counter() - start
    return tally


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def table(tallies: list[Tally], pages: list[Page], repeat: int) -> str:
    n = len(pages)
    nbytes = sum(len(p.body) for p in pages)
    reports = sum(p.kind == "report" for p in pages)
    distractors = sum(p.kind == "distractor" for p in pages)

    def row(label: str, cell: Callable[[Tally], str]) -> str:
        cells = (cell(t) if not t.unavailable or label == "installed" else "—" for t in tallies)
        return f"| {label} | " + " | ".join(cells) + " |"

    hand = sum(bool(p.chrome) for p in pages)
    planted = sum(len(p.chrome) for p in pages)
    lines = [
        "| metric | " + " | ".join(t.name for t in tallies) + " |",
        "|---|" + "---|" * len(tallies),
        row("installed", lambda t: t.unavailable or "yes"),
        row(f"mean F1, {reports} report pages", lambda t: f"{sum(t.f1s) / len(t.f1s):.4f}"),
        row("min F1, report pages", lambda t: f"{min(t.f1s):.4f}"),
        row("spam terms left (lexicon, all pages; planted, hand pages)",
            lambda t: str(t.spam_left)),
        row(f"chrome lines left (of {planted} planted on {hand} hand pages)",
            lambda t: str(t.chrome_left)),
        row("`?` left (report pages)", lambda t: str(t.qmarks_left)),
        row("traditional characters left (report pages)", lambda t: str(t.trad_left)),
        row(f"byte-slip spots left (of {len(slip_forms())} on each of the"
            f" {sum(_has_slips(p) for p in pages)} damaged pages)", lambda t: str(t.slips_left)),
        row(
            f"distractors classified as report (of {distractors})",
            lambda t: "n/a" if t.distractors_as_report is None else str(t.distractors_as_report),
        ),
        row("pages failed (exception)", lambda t: str(t.failures)),
        row(f"pages/s ({n} pages × {repeat})", lambda t: f"{n * repeat / t.seconds:.1f}"),
        row("MB/s", lambda t: f"{nbytes * repeat / t.seconds / 1e6:.2f}"),
    ]
    per_page = [
        "",
        "| report page | " + " | ".join(t.name for t in tallies) + " |",
        "|---|" + "---|" * len(tallies),
    ]
    report_urls = [p.url for p in pages if p.kind == "report"]
    for i, url in enumerate(report_urls):
        per_page.append(f"| {url} | " + " | ".join(
            "—" if t.unavailable else f"{t.f1s[i]:.4f}" for t in tallies) + " |")
    return "\n".join(lines + per_page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare clean() with its peers.")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    pages = load_pages()
    tallies = [measure("ours (pipelines.clean)", ours(), pages, args.repeat)]
    for name, dist, factory in PEERS:
        try:
            runner = factory()
        except ImportError as exc:
            why = NOT_INSTALLABLE.get(dist, f"not installed ({exc})")
            tallies.append(Tally(name, unavailable=why))
            continue
        tallies.append(measure(name, runner, pages, args.repeat))
    body = table(tallies, pages, args.repeat)
    kinds = {k: sum(p.kind == k for p in pages) for k in ("report", "distractor", "corpus")}
    header = [
        "# Cleaning benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.platform()} ({platform.machine()}, {platform.processor() or '?'}),"
        f" Python {platform.python_version()}",
        "- versions: " + ", ".join(f"{d} {version(d)}" for d in (
            "gzbg-archive", "trafilatura", "gne", "readability-lxml", "resiliparse", "magic-html",
            "lxml", "opencc")),
        f"- pages: {kinds['report']} report pages (fixture sites and hand-written, vs fixtureweb/gold),"
        f" {kinds['distractor']}"
        f" fixture distractors, {kinds['corpus']} corpus gov-pages;"
        f" {sum(len(p.body) for p in pages) / 1e6:.2f} MB",
        "- trafilatura: `extract(body_bytes, url=url, favor_precision=False)`; GNE"
        " `GeneralNewsExtractor().extract(html)['content']`; readability-lxml"
        " `Document(html).summary()` as text; resiliparse"
        " `extract_plain_text(html, main_content=True)`; the str peers get the page decoded as"
        " our cleaner decodes it; every peer's output goes through OpenCC t2s",
        "- F1: character 3-gram F1 after NFKC and whitespace removal (fixtureweb/gold/score.py)",
        "",
    ]
    report = "\n".join(header) + "\n" + body + "\n"
    # Hostile pages against an ordinary one of the same size (issue 18).
    report += "\n## Hostile pages\n\n" + "".join(f"- {line}\n" for line in hostile.lines())
    print(report)
    args.out.write_text(report, encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
