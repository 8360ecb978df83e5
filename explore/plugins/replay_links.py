"""Datasette plugin: show each archived capture's `wayback_ts` as a link to its replay.

The replay base is GZBG_REPLAY_BASE when set (`make browse` sets it from REPLAY_PORT, the
port `make replay` serves pywb on), else datasette.yml's plugins → gzbg-replay-links → base, so
the same database can point at whichever pywb serves its WARC files.  Replay URLs have the
shape ``<base><14-digit timestamp>/<original URL>``.
"""

from __future__ import annotations

import os

from datasette import hookimpl
from markupsafe import Markup, escape

PLUGIN = "gzbg-replay-links"
ENV = "GZBG_REPLAY_BASE"
DEFAULT_BASE = "http://127.0.0.1:8090/reports/"
TABLES = ("reports", "pages")
# The report list (pipelines/store/migrations.py) gives both in one column: replay.
LIST_VIEW = "report_list"


def replay_url(base: str, ts: str, url: str) -> str:
    return f"{base.rstrip('/')}/{ts}/{url}"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not value:
        return None
    if column == "replay" and table == LIST_VIEW:  # "<timestamp>/<url>", made by the view
        ts, _, url = value.partition("/")
        label = "▸ replay"
    elif column == "wayback_ts" and table in TABLES:
        try:
            ts, url = value, row["url"]
        except (IndexError, KeyError):  # the url column was left out with ?_col / ?_nocol
            return None
        label = f"{value} ▸ replay"
    else:
        return None
    config = datasette.plugin_config(PLUGIN, database=database, table=table) or {}
    base = os.environ.get(ENV) or config.get("base") or DEFAULT_BASE
    return Markup('<a href="{}" title="replay the archived page">{}</a>').format(
        escape(replay_url(base, ts, url)), label)
