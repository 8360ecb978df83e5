"""The CDXJ index of a crawl's WARC files, built with cdxj-indexer from the pywb venv.

The index lists response and revisit records (what replay serves); conversion and metadata
records stay out of it so that they never shadow the page they describe.  cdxj-indexer stops
at the first record it cannot read, so a damaged file is left out of the index (and named)
instead of keeping every other file from being served.  It reads past damage it does not
notice (a gzip member cut short or failing its CRC; in an uncompressed file a record shorter
than its header says, a length that is no number): read_damage finds that; replay keeps such
a file's readable records and names it, the WACZ package refuses or leaves it out.
"""

from __future__ import annotations

import contextlib
import gzip
import heapq
import itertools
import json
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from archive.reader import (
    GZIP_MAGIC,
    ZEROS,
    Problem,
    not_files,
    quoted,
    read_entries,
    warc_files,
    zero_run,
)

REPO = Path(__file__).resolve().parents[1]
INDEXED_RECORDS = "response,revisit"
GZIP_CHUNK = 1 << 20  # bytes inflated at a time when a gzip stream is checked
MESSAGE_CHARS = 300  # an indexer message quotes the bad line, which may be a whole file


class NothingIndexed(RuntimeError):
    """No WARC file of the crawl could be indexed."""


def tool(settings_venv: str, name: str) -> Path:
    """A program of the pywb venv (WARC_PYWB_VENV, relative to the repository)."""
    venv = Path(settings_venv)
    path = (venv if venv.is_absolute() else REPO / venv) / "bin" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `make .venv-pywb/.installed` first")
    return path


def finished_warcs(warc_dir: Path) -> list[Path]:
    """Closed WARC files only: a .open file may still be growing."""
    return [p for p in warc_files(warc_dir) if not p.name.endswith(".open")]


def indexer_message(stderr: str) -> str:
    """What a failed cdxj-indexer said, on one bounded, printable line: the exception its last
    traceback ends with (whose message may span lines), else all it printed."""
    text = stderr.rpartition("Traceback (most recent call last):")[2]
    lines = text.splitlines()
    # A traceback's frames are indented; the exception starts at its first unindented line.
    start = next((i for i, line in enumerate(lines) if line and not line[0].isspace()), 0)
    message = " ".join(" ".join(lines[start:]).split()) or "no message"
    message = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in message)
    return message if len(message) <= MESSAGE_CHARS else message[:MESSAGE_CHARS] + "…"


def read_damage(path: Path) -> str | None:
    """Where and how path is damaged; None if it reads whole: a zero-filled region
    (archive.reader.zero_run), else stream_damage."""
    if (at := zero_run(path)) is not None:
        return f"at offset {at}: {ZEROS}"
    return stream_damage(path)


def stream_damage(path: Path) -> str | None:
    """Damage read_damage finds in a file known to hold no zero-filled region.

    A gzipped file is checked as `gzip -t` checks it: every member inflated, its CRC and
    length compared, nothing but members in the file (the stdlib's gzip, at zlib's speed:
    reading its records through with warcio would cost as much as the indexer again).  Any
    other file is read through record by record with archive.reader (payloads streamed)."""
    with open(path, "rb") as fh:
        gzipped = fh.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    if gzipped:
        try:
            with gzip.open(path, "rb") as stream:
                while stream.read(GZIP_CHUNK):
                    pass
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            return f"its gzip stream is damaged ({quoted(' '.join(str(exc).split()))})"
        return None
    problems: list[Problem] = []
    entries = read_entries(path, problems, max_payload=1)
    try:
        for entry in entries:
            length = entry.record.rec_headers.get_header("Content-Length") or ""
            if not (length.isascii() and length.isdigit()):  # warcio reads ARC's -1 as 0
                return f"at offset {entry.offset}: record length {quoted(length)!r} is no number"
            if problems:
                break
    finally:
        entries.close()
    return f"at offset {problems[0].offset}: {problems[0].message}" if problems else None


def _index(indexer: Path, warc_dir: Path, names: list[str], out: Path) -> str | None:
    """Index names (files of warc_dir) into out, sorted; None, or the indexer's message."""
    # Run in the WARC dir so the index names files relative to it, as pywb expects.
    proc = subprocess.run([str(indexer), "--records", INDEXED_RECORDS, "--sort",
                           "-o", str(out.resolve()), *names],
                          cwd=warc_dir, capture_output=True, text=True, errors="replace")
    return None if proc.returncode == 0 else indexer_message(proc.stderr)


def _merge(parts: list[Path], out: Path) -> None:
    """Merge sorted CDXJ files as cdxj-indexer sorts one: by line, equal lines once."""
    with contextlib.ExitStack() as stack, open(out, "w", encoding="utf-8") as fh:
        files = [stack.enter_context(open(p, encoding="utf-8")) for p in parts]
        last = None
        for line in heapq.merge(*files):
            if line != last:
                fh.write(line)
            last = line


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def indexing(files: list[Path], purpose: str) -> str:
    """The line said before indexing, which says nothing while it runs (about 25 s for 100 MB
    of WARC here): not a hang."""
    size = sum(p.stat().st_size for p in files)
    return (f"indexing {len(files)} WARC file{'s' if len(files) != 1 else ''} "
            f"({size / 1e6:.1f} MB) in {files[0].parent} for {purpose}…")


def index_apart(indexer: Path, warc_dir: Path, names: list[str], parts_dir: Path,
                warn: Callable[[str], None] = to_stderr) -> tuple[list[str], list[Path]]:
    """Index names, which one run failed on, in halves into parts_dir, halving again a half
    that fails: the files that index and their indexes.  Each file that fails alone gets one
    `damaged: FILE: …` line to warn.  k damaged files among n cost about 2k·log2(n) runs,
    not one interpreter start per file."""
    good: list[str] = []
    parts: list[Path] = []
    numbers = itertools.count()

    def split(group: list[str]) -> None:
        middle = len(group) // 2
        visit(group[:middle])
        visit(group[middle:])

    def visit(group: list[str]) -> None:
        part = parts_dir / f"{next(numbers)}.cdxj"
        message = _index(indexer, warc_dir, group, part)
        if message is None:
            good.extend(group)
            parts.append(part)
        elif len(group) == 1:
            warn(f"damaged: {group[0]}: left out (cdxj-indexer: {message})")
        else:
            split(group)

    if len(names) == 1:
        visit(names)  # for the indexer's message about it
    else:
        split(names)
    if not good:
        raise NothingIndexed(f"none of the {len(names)} WARC files in {warc_dir} "
                             "could be indexed")
    return good, parts


def build_cdxj(data_dir: Path, venv: str, warn: Callable[[str], None] = to_stderr,
               say: Callable[[str], None] = to_stderr, out_dir: Path | None = None) -> Path:
    """Write DATA_DIR/indexes/reports.cdxj (sorted; out_dir/reports.cdxj if given) for every
    closed WARC in DATA_DIR/warc.

    A file the indexer fails on is left out (see index_apart); NothingIndexed if that leaves
    no file.  A file it indexes that archive.reader finds damaged is named, its records kept.
    An index of the same files (names, sizes, modification times) is reused, and the damaged
    files named again: a replay restarted over a large archive does not wait for the indexer
    again."""
    warc_dir = data_dir / "warc"
    files = finished_warcs(warc_dir)
    odd = not_files(warc_dir)
    if not files:
        raise FileNotFoundError(f"no WARC files in {warc_dir}"
                                + "".join(f"; {path.name}: {why}" for path, why in odd))
    for path, why in odd:  # never given to the indexer: a FIFO would keep it waiting
        warn(f"damaged: {path.name}: left out ({why})")
    indexer = tool(venv, "cdxj-indexer")
    out = (out_dir or data_dir / "indexes") / "reports.cdxj"
    sources = out.with_name(f"{out.name}.sources.json")
    identity = [[p.name, (st := p.stat()).st_size, st.st_mtime_ns] for p in files]
    if (saved := _saved_sources(sources)) and saved["files"] == identity and out.is_file():
        for line in saved["damaged"]:
            warn(line)
        say(f"the index {out} of these {len(files)} WARC files is reused: none changed")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".cdxj.tmp")
    damaged: list[str] = []

    def noted(line: str) -> None:
        damaged.append(line)
        warn(line)

    # Nor a zero-filled region, which it would read as one endless line, in memory.
    zeroed = {p: at for p in files if (at := zero_run(p)) is not None}
    for path, at in zeroed.items():
        noted(f"damaged: {path.name}: left out (at offset {at}: {ZEROS})")
    files = [p for p in files if p not in zeroed]
    if not files:
        raise NothingIndexed(f"none of the WARC files in {warc_dir} could be indexed")
    names = [p.name for p in files]
    say(indexing(files, "replay"))
    # One run over all files is the fast path; only when it fails are they indexed apart to
    # find the ones it failed on.
    indexed = names
    if _index(indexer, warc_dir, names, tmp) is not None:
        with tempfile.TemporaryDirectory(dir=out.parent) as parts_dir:
            indexed, parts = index_apart(indexer, warc_dir, names, Path(parts_dir), noted)
            _merge(parts, tmp)
    # Damage the indexer read past: the records it read are kept (served), the file named.
    # (Zero-filled regions were looked for above.)
    for name in indexed:
        if damage := stream_damage(warc_dir / name):
            noted(f"damaged: {name}: {damage}; the records the indexer read are served")
    sources.unlink(missing_ok=True)  # never beside an index it does not describe
    tmp.replace(out)
    sources_tmp = sources.with_suffix(".tmp")
    sources_tmp.write_text(json.dumps({"files": identity, "damaged": damaged}), encoding="utf-8")
    sources_tmp.replace(sources)
    return out


def _saved_sources(path: Path) -> dict[str, list] | None:
    """What an earlier index was built from, if it can be read (else it is built again)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (isinstance(saved, dict) and isinstance(saved.get("files"), list)
            and isinstance(saved.get("damaged"), list)
            and all(isinstance(line, str) for line in saved["damaged"])):
        return saved
    return None
