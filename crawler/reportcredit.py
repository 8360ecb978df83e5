"""Report links that pay off: a site's report-kind links jump the queue uncharged only while
the site's report-kind fetches keep turning out reports.

A link farm (a hacked site's generated pages, a content farm) can anchor every link like a
work report; uncharged, such links are an unbounded crawl.  Each report-kind link admitted
free is *pending* until its page has been cleaned; a pending page judged no report is a
*miss*.  Pending pages count as misses until judged, so the links a site has queued before
any verdict are bounded too.  Report-kind links stay free while a site's pending pages plus
misses are below ``max(max_misses, ratio × reports found)``; after that they are charged to
the page budget like ordinary links.

The ledger is kept in the spider's state in the JOBDIR (``state()``/``restore()``, plain
data), so a resumed crawl goes on with the credit its earlier runs spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteCredit:
    pending: set[str] = field(default_factory=set)
    misses: int = 0
    reports: int = 0


class ReportCredit:
    def __init__(self, max_misses: int, ratio: float):
        self.max_misses, self.ratio = max_misses, ratio  # max_misses 0: every link is free
        self.sites: dict[str, SiteCredit] = {}
        self.owner: dict[str, str] = {}  # pending URL -> its site

    def _site(self, site: str) -> SiteCredit:
        return self.sites.setdefault(site, SiteCredit())

    def is_free(self, site: str) -> bool:
        """Whether the site's next report-kind link goes uncharged."""
        if self.max_misses <= 0:
            return True
        credit = self._site(site)
        allowed = max(self.max_misses, self.ratio * credit.reports)
        return len(credit.pending) + credit.misses < allowed

    def spend(self, site: str, url: str) -> None:
        """A report-kind link admitted free: pending until its page is judged."""
        self._site(site).pending.add(url)
        self.owner[url] = site

    def judged(self, site: str, urls: list[str], is_report: bool | None) -> None:
        """A page of site was cleaned (is_report None: not judged, e.g. unchanged since the
        last crawl, neither a report nor a miss).  urls: the URLs it was requested and
        redirected under; the first pending one is settled."""
        credit = self._site(site)
        if is_report:
            credit.reports += 1
        for url in urls:
            owner = self.owner.pop(url, None)
            if owner is None:
                continue
            owned = self._site(owner)
            owned.pending.discard(url)
            if is_report is False:
                owned.misses += 1
            return

    def state(self) -> dict[str, Any]:
        """The ledger as plain data (no classes of ours: a pickle that outlives a rename)."""
        return {site: {"pending": sorted(c.pending), "misses": c.misses, "reports": c.reports}
                for site, c in self.sites.items()}

    def restore(self, state: dict[str, Any]) -> None:
        """Go on from a ledger state() returned; for one it cannot read it raises (whatever
        the damage makes it raise) and leaves the ledger as it was."""
        sites = {site: SiteCredit(set(map(str, c["pending"])), int(c["misses"]),
                                  int(c["reports"])) for site, c in state.items()}
        self.sites = sites
        self.owner = {url: site for site, c in sites.items() for url in c.pending}
