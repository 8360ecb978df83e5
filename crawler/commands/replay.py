"""`scrapy replay [--port P] -s DATA_DIR=DIR`: browse DIR's WARCs with pywb on loopback."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading
from pathlib import Path

from scrapy.commands import ScrapyCommand

from archive.replay import COLLECTION, replay_url, serving
from crawler.commands import PORTS, SETTINGS_HELP, SettingsChecked, fail, port_number
from pipelines.store.db import connect_readonly, crawl_db_path


def _report_urls(db: Path, base: str) -> list[str]:
    if not db.exists():
        return []
    try:
        con = connect_readonly(db)
    except sqlite3.Error:
        return []
    try:
        rows = con.execute("select url, fetched_at from reports order by url").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        con.close()
    return [replay_url(url, date, base) for url, date in rows if date]


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port P]"

    def short_desc(self) -> str:
        return "Replay the crawl's WARC files with pywb on 127.0.0.1 (collection 'reports')"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. {SETTINGS_HELP} Builds the CDXJ index in DIR/indexes and "
                "pywb's configuration in DIR/pywb; pywb runs from WARC_PYWB_VENV.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=port_number, default=None,
                            help="loopback port (default: WARC_REPLAY_PORT)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        data_dir = Path(self.settings.get("DATA_DIR"))
        port = opts.port or self.settings.getint("WARC_REPLAY_PORT")
        if port not in PORTS:
            return fail(self, "replay", f"WARC_REPLAY_PORT={port} is not in 1..65535")
        # SIGTERM (or SIGHUP) ends the command like Ctrl-C does, so pywb is always stopped
        # with it and a temporary index removed.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))  # its terminal closed
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it off
        try:
            with serving(data_dir, port, self.settings.get("WARC_PYWB_VENV")) as base:
                print(f"pywb replaying {data_dir / 'warc'} at {base}/{COLLECTION}/", flush=True)
                for url in _report_urls(crawl_db_path(self.settings), base):
                    print(f"  {url}")
                print("Ctrl-C stops it.", flush=True)
                threading.Event().wait()
        except KeyboardInterrupt:
            pass
        except (FileNotFoundError, RuntimeError, TimeoutError) as e:
            fail(self, "replay", str(e))
