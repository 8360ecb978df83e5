"""`scrapy summary -s DATA_DIR=DIR [--plots OUT]`: what a crawl left in DATA_DIR, and how to
look at it; --plots also draws its charts as PNG files into OUT (pipelines/store/plots.py).

It only reads: the database is opened read-only, never migrated.  One of an older schema is
summarised as it is, with a line saying so and which commands update it."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archive.reader import not_a_file
from crawler.commands import (
    MIGRATED_BY,
    SETTINGS_HELP,
    SettingsChecked,
    fail,
    quiet_stdout,
    read_crawl_db,
)
from pipelines.store.db import crawl_db_path


def summarize(data_dir: Path, db_path: Path | None = None) -> str:
    """db_path: the crawl's database (default DATA_DIR/reports.db; the command passes
    SQLITE_PATH when it is set, as the crawl does)."""
    db_path = db_path or data_dir / "reports.db"
    if not db_path.exists():
        raise UsageError(f"no database at {db_path}: run a crawl with -s DATA_DIR={data_dir}")
    db, older = read_crawl_db(db_path)
    try:
        pages = db["pages"].count
        errors = db.execute("select error, count(*) from pages where error is not null "
                            "group by error order by 2 desc").fetchall()
        unfinished = db.execute(
            "select count(*) from crawls where finished_at is null").fetchone()[0]
        crawls = list(db.query("select * from crawls order by id desc limit ?",
                               [SHOWN_CRAWLS]))
        n_crawls = db["crawls"].count
        reports = list(db.query(
            "select url, title, region, year, script, is_template, spam_removed, chars "
            "from reports order by region, year"))
    except sqlite3.Error as exc:  # a table or column its older schema lacks
        raise UsageError(f"{db_path}: {exc} ({MIGRATED_BY} updates its schema)") from None
    finally:
        db.close()
    named = sorted((data_dir / "warc").glob("*.warc.gz"))
    warcs = [w for w in named if not_a_file(w) is None]
    open_warcs = sorted((data_dir / "warc").glob("*.warc.gz.open"))
    failed = sum(n for _, n in errors)
    lines = [older] if older else []
    lines.append(f"pages: {pages} ({pages - failed} fetched, {failed} failed or skipped)")
    lines += [f"  {n:>5}  {error}" for error, n in errors[:8]]
    lines.append(f"reports found: {len(reports)}")
    if unfinished:
        lines.append(f"  unfinished crawls (still running or killed): {unfinished}")
    lines += crawl_lines(crawls, n_crawls)
    for r in reports:
        flags = [r["script"]] + (["template"] if r["is_template"] else [])
        if r["spam_removed"]:
            flags.append(f"{r['spam_removed']} spam removed")
        lines.append(f"  - {r['region'] or '?'} {r['year'] or '?'}: {r['title']} "
                     f"[{', '.join(flags)}; {r['chars']} chars]\n    {r['url']}")
    size = sum(w.stat().st_size for w in warcs)
    lines.append(f"WARC files: {len(warcs)} ({size / 1e6:.1f} MB) in {data_dir / 'warc'}")
    if open_warcs:
        lines.append(f"  unfinished (.open) files: {len(open_warcs)}")
    lines += [f"  not a WARC file: {w.name}: {why}" for w in named
              if (why := not_a_file(w)) is not None]
    lines += [
        f"database: {db_path}",
        "browse:",
        f"  make browse BROWSE_DB={db_path}   # Datasette on http://127.0.0.1:8001/",
        f"  sqlite3 {db_path} 'select region, year, title from reports'",
        f"  .venv/bin/warcio index {warcs[0] if warcs else '<file>'}",
        "  .venv/bin/python -m pipelines.clean PAGE.html --url URL   # clean one saved page",
    ]
    return "\n".join(lines)


SHOWN_CRAWLS = 5


def crawl_lines(crawls: list[dict], n_crawls: int) -> list[str]:
    """The newest crawls into the database, each on its own line: the totals above add up
    every crawl, and a recrawl stores no report that has not changed."""
    if n_crawls < 2:
        return []
    lines = [f"crawls: {n_crawls}" + (f" (the last {len(crawls)})" if n_crawls > len(crawls)
                                     else "") + ", newest first"]
    for c in crawls:
        state = c.get("finish_reason") or ("" if c.get("finished_at") else "unfinished")
        counts = [f"{c.get(f'pages_{kind}') or 0} {kind}"
                  for kind in ("new", "changed", "unchanged", "failed") if f"pages_{kind}" in c]
        lines.append(f"  #{c['id']} {c.get('started_at') or '?'} {state}: "
                     f"{c.get('pages') or 0} pages"
                     + (f" ({', '.join(counts)})" if counts else "")
                     + f", {c.get('reports') or 0} new or changed reports")
    return lines


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "Summarise the pages, reports and WARC files of a crawl's DATA_DIR"

    def long_desc(self) -> str:
        return f"{self.short_desc()}. {SETTINGS_HELP}"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--plots", metavar="OUT",
            help="also draw reports per year by province and the coverage heat map as PNG "
                 "files into the folder OUT (created if missing)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        db_path = crawl_db_path(self.settings)
        try:
            print(summarize(Path(self.settings.get("DATA_DIR")), db_path))
        except UsageError as exc:
            fail(self, "summary", str(exc))
            return
        except BrokenPipeError:  # `| head`: the reader has what it wanted
            quiet_stdout()
            return
        if opts.plots:
            try:
                print(draw(db_path, Path(opts.plots)))
            except UsageError as exc:
                fail(self, "summary", str(exc))
            except OSError as exc:  # OUT is a file, or not writable
                fail(self, "summary", f"--plots {opts.plots}: {exc.strerror or exc}")


def draw(db_path: Path, out_dir: Path) -> str:
    from pipelines.store import plots  # matplotlib loads only when asked for

    db, _ = read_crawl_db(db_path)  # summarize has said whether its schema is older
    try:
        written = plots.write_plots(db, out_dir)
    except sqlite3.Error as exc:  # a table or view its older schema lacks
        raise UsageError(f"{db_path}: {exc} ({MIGRATED_BY} updates its schema)") from None
    finally:
        db.close()
    lines = ["plots:"] + [f"  {path}" for path in written]
    if not written:
        lines.append("  none: the database has no report with a year")
    if not plots.cjk_font():
        lines.append("  no CJK font found (`make browser-deps` installs fonts-noto-cjk): "
                     "Chinese labels may show as boxes")
    return "\n".join(lines)
