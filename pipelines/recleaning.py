"""Item pipeline: the cleaning pipeline, minus pages an incremental recrawl found unchanged.

crawler.incremental marks a fetch ``unchanged`` when the server answered 304 or sent the
payload it sent last time; cleaning it again would only repeat the report row the earlier
crawl wrote.  Everything else is cleaned exactly as by pipelines.cleaning.CleanPipeline,
which this replaces in ITEM_PIPELINES.
"""

from __future__ import annotations

from typing import Any

from crawler.items import Page
from pipelines.cleaning import CleanPipeline
from pipelines.urlstate import CHANGE, UNCHANGED


class ChangedOnlyCleanPipeline(CleanPipeline):
    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Page) and item.final_fetch.get(CHANGE) == UNCHANGED:
            self.stats.inc_value("incremental/not_recleaned")
            return item
        return await super().process_item(item)
