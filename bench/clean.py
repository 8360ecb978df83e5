"""Cleaning benchmark: ``python -m bench.clean`` (``make bench-clean``).

Runs our ``pipelines.clean.clean`` and ``trafilatura.extract`` over the same pages in one
run — every fixture report page (scored against ``tests/gold``), every fixture distractor,
and the real non-report pages of ``/work/shared/corpus/gov-pages`` — and prints a
side-by-side table, also written to ``bench/results-clean.md``.
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

from tests.fixtureweb import load_manifest, site_file
from tests.gold import GOLD_DIR, load_gold
from tests.gold.score import f1

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
    if CORPUS.is_dir():
        for path in sorted(CORPUS.rglob("*.html")):
            url = "file://" + str(path)
            pages.append(Page(url, path.read_bytes(), {"Content-Type": "text/html"}, "corpus"))
    return pages


def spam_lexicon() -> list[str]:
    """The lexicon's strong terms: weak ones (官网, 下载, 彩票) are ordinary words on their own."""
    from pipelines.spamwords import lexicon

    strong, _ = lexicon()
    return strong or list(FALLBACK_SPAM)


def slip_forms() -> list[str]:
    """Garbled forms listed in the gold README's tables (first backticked cell of a row)."""
    text = (GOLD_DIR / "README.md").read_text(encoding="utf-8")
    return re.findall(r"(?m)^\| *\d+ *\| *`([^`]+)`", text)


def ours() -> Callable[[Page], Output]:
    from pipelines.clean import clean

    def run(page: Page) -> Output:
        result = clean(page.body, page.url, page.headers)
        return Output(result.text, result.is_report)

    return run


def trafilatura_runner() -> Callable[[Page], Output]:
    import trafilatura

    def run(page: Page) -> Output:
        # Bytes as fetched: trafilatura does its own charset detection.
        text = trafilatura.extract(page.body, url=page.url, favor_precision=False)
        return Output(text or "")

    return run


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
        if page.kind == "report":
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
        return f"| {label} | " + " | ".join(cell(t) for t in tallies) + " |"

    lines = [
        "| metric | " + " | ".join(t.name for t in tallies) + " |",
        "|---|" + "---|" * len(tallies),
        row(f"mean F1, {reports} report pages", lambda t: f"{sum(t.f1s) / len(t.f1s):.4f}"),
        row("min F1, report pages", lambda t: f"{min(t.f1s):.4f}"),
        row("spam words left (all pages)", lambda t: str(t.spam_left)),
        row("traditional characters left (report pages)", lambda t: str(t.trad_left)),
        row(f"byte-slip spots left (of {len(slip_forms())})", lambda t: str(t.slips_left)),
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
        per_page.append(f"| {url} | " + " | ".join(f"{t.f1s[i]:.4f}" for t in tallies) + " |")
    return "\n".join(lines + per_page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare clean() with trafilatura.")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    pages = load_pages()
    tallies = [
        measure("ours (pipelines.clean)", ours(), pages, args.repeat),
        measure("trafilatura.extract", trafilatura_runner(), pages, args.repeat),
    ]
    body = table(tallies, pages, args.repeat)
    kinds = {k: sum(p.kind == k for p in pages) for k in ("report", "distractor", "corpus")}
    header = [
        "# Cleaning benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.platform()} ({platform.machine()}, {platform.processor() or '?'}),"
        f" Python {platform.python_version()}",
        f"- versions: gzbg-archive {version('gzbg-archive')}, trafilatura {version('trafilatura')},"
        f" lxml {version('lxml')}, opencc {version('opencc')}",
        f"- pages: {kinds['report']} fixture report pages (vs tests/gold), {kinds['distractor']}"
        f" fixture distractors, {kinds['corpus']} corpus gov-pages;"
        f" {sum(len(p.body) for p in pages) / 1e6:.2f} MB",
        "- trafilatura: `extract(body_bytes, url=url, favor_precision=False)`",
        "- F1: character 3-gram F1 after NFKC and whitespace removal (tests/gold/score.py)",
        "",
    ]
    report = "\n".join(header) + "\n" + body + "\n"
    print(report)
    args.out.write_text(report, encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
