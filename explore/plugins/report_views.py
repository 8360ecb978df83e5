"""Datasette plugin: what a reader meets first.

- `/` opens the report list (datasette.yml: plugins → gzbg-report-views → landing).
- HTML table pages open with the technical columns hidden (→ hidden_columns, added as
  ``?_nocol=``); any explicit ``_col``/``_nocol`` (Datasette's "Show all columns") is left as
  asked, and JSON keeps every column.
- A report's title in the report list and in canned queries (rows with a ``report_id``) links
  to its row page, where the full text is.
- Search snippets: the ``search`` query marks hits with private-use characters U+E000/U+E001
  (so the text can be HTML-escaped first); they are shown as ``<mark>``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import asgi_send_redirect
from markupsafe import Markup, escape

PLUGIN = "gzbg-report-views"
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
TABLE_PAGE = re.compile(r"^/([^/]+)/([^/.]+)$")


def highlight(snippet: str) -> Markup:
    text = str(escape(snippet))
    return Markup(text.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


def _report_id(row: Any, table: str | None) -> Any:
    key = "id" if table == "report_list" else "report_id" if table is None else None
    if key is None:
        return None
    try:
        return row[key]
    except (IndexError, KeyError):
        return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column == "snippet" and isinstance(value, str) and MARK_OPEN in value:
        return highlight(value)
    if column not in ("title", "report_id"):
        return None
    report_id = _report_id(row, table)
    if report_id is None:
        return None
    href = datasette.urls.row(database, "reports", str(report_id))
    label = value if value is not None else f"report {report_id}"
    return Markup('<a href="{}" title="open the report">{}</a>').format(href, label)


def redirect_target(config: dict, databases: Any, path: str, query: str) -> str | None:
    """Where a GET of path?query should go instead, or None to serve it as asked."""
    landing = config.get("landing")
    if path == "/" and landing and landing.split("/")[1] in databases:
        return landing
    match = TABLE_PAGE.match(path)
    hidden = (config.get("hidden_columns") or {}).get(match.group(2)) if match else None
    if not hidden or match.group(1) not in databases:
        return None
    params = parse_qsl(query, keep_blank_values=True)
    if any(k in ("_col", "_nocol") for k, _ in params):
        return None
    return f"{path}?{urlencode(params + [('_nocol', c) for c in hidden])}"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def redirecting(scope, receive, send):
            if scope["type"] == "http" and scope.get("method") == "GET":
                target = redirect_target(
                    datasette.plugin_config(PLUGIN) or {}, datasette.databases,
                    scope["path"], scope.get("query_string", b"").decode("latin-1"))
                if target:
                    await asgi_send_redirect(send, target)
                    return
            await app(scope, receive, send)

        return redirecting

    return wrap
