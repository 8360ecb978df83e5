"""The one settings module of the project.

Component settings carry their component's prefix (WARC_*, CLEAN_*, SQLITE_*) and an
``<PREFIX>_ENABLED`` switch, as Scrapy's own components do.
"""

import os

# Scrapy's cookie middleware asks tldextract for public suffixes, which fetches the list from
# the web on first use: through a crawl's proxy, or on a machine without internet, that is a
# page of tracebacks, and a crawler should fetch nothing it was not asked to.  An empty list
# of URLs makes tldextract use the snapshot it ships.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

BOT_NAME = "gzbg"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Where a crawl writes: DATA_DIR/warc/*.warc.gz and DATA_DIR/reports.db.  Relative paths are
# taken from the working directory, which is the repository root for `scrapy` commands.
DATA_DIR = "data"
# The sites crawled when no start_urls are given.  Empty: crawler/sites.toml as shipped in the
# package (so it is found from any working directory, and inside a Scrapyd egg).
SITES_FILE = ""

CONTACT_URL = "https://github.com/gzbg-archive/gzbg-archive"
USER_AGENT = f"gzbg-archive/0.1 (+{CONTACT_URL})"

# Politeness: government sites are small servers.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2

# Breadth-first within a depth limit: home page → column → list pages → reports.
DEPTH_LIMIT = 6
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# Only http(s): a crawler following links from hacked pages must not read local files.
# http(s) go through Scrapy's HTTP/1.1 handler extended to keep the raw response head for
# the archive (archive/http.py).
DOWNLOAD_HANDLERS = {
    "file": None, "data": None, "s3": None, "ftp": None,
    "http": "archive.http.RawHeadHTTP11DownloadHandler",
    "https": "archive.http.RawHeadHTTP11DownloadHandler",
}

DOWNLOADER_MIDDLEWARES = {
    # Above HttpCompressionMiddleware (590) and everything that rewrites responses, so the
    # archive sees the bytes as received; below HttpProxy (750) so proxying is already decided.
    "archive.middleware.WarcArchiveMiddleware": 950,
}
ITEM_PIPELINES = {
    # pipelines.clean_pipeline.CleanPipeline that skips pages an incremental recrawl found unchanged.
    "pipelines.clean_pipeline.ChangedOnlyCleanPipeline": 300,
    "pipelines.conversion_pipeline.ConversionPipeline": 500,  # cleaned text into the WARC (issue 4)
    "pipelines.store_pipeline.SQLitePipeline": 800,
}
EXTENSIONS = {
    "crawler.progress.Progress": 500,
}

WARC_ENABLED = True
WARC_PREFIX = "gzbg"
WARC_MAX_SIZE = 1024 * 1024 * 1024  # rotate files at 1 GiB
WARC_OPERATOR = ""
# --- archive (issue 4) ---
WARC_DEDUP_ENABLED = True  # identical payloads become revisit records
WARC_DEDUP_PATH = ""  # default: DATA_DIR/digests.db (the digest index, kept across crawls)
WARC_CONVERSIONS_ENABLED = True  # conversion + metadata records for every report
WARC_REPLAY_PORT = 8090  # `scrapy replay` (pywb on 127.0.0.1)
WARC_PYWB_VENV = ".venv-pywb"  # pywb and py-wacz live in their own venv (see Makefile)
# --- end archive ---

CLEAN_ENABLED = True
# --- cleaning and extraction workers (issue 8) ---
CLEAN_WORKERS = -1  # cleaning processes beside the reactor; -1: one per core, 0: inline
EXTRACT_WORKERS = -1  # `scrapy extract` cleaning processes; -1: one per core, 1: no pool
# --- end cleaning and extraction workers ---
# --- cleaning time limit (issue 18) ---
# Seconds (wall clock) a cleaning worker may spend on one page (crawl and `scrapy extract`); a
# page over it is recorded with a `timeout` error and skipped, its worker replaced.  0: none.
CLEAN_TIMEOUT = 10.0
# --- end cleaning time limit ---

SQLITE_ENABLED = True
SQLITE_PATH = ""  # default: DATA_DIR/reports.db
SQLITE_PROCESS = True  # write from a process of its own (pipelines/store/writer.py); False: inline

PROGRESS_INTERVAL = 5.0  # seconds between progress lines

# No way into a running crawl: Scrapy's telnet console and its remote-control server (an
# HTTP endpoint that runs posted Python code, on by default since Scrapy 2.19) are off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# --- sites and discovery (crawler/discovery.py, crawler/crawldelay.py) -------------------
# Pages per site outside report columns (generic breadth-first links); report and column
# links are not charged to it. A site's max_pages in the sites file overrides it.
DISCOVERY_MAX_PAGES = 1000
# Safety limit on report/column pages per site (pager traps, calendars).
DISCOVERY_MAX_FOCUSED = 5000
# List pages generated from one createPageHTML(...) JS pager, at most.
DISCOVERY_MAX_PAGER = 200
# Probe /sitemap.xml on every start host (404 there is not a failure).
DISCOVERY_SITEMAP = True
# robots.txt Crawl-delay is honoured per host, capped at CRAWLDELAY_MAX seconds. Below
# crawler.backoff (560): on the way back it restores the floor after backoff/AutoThrottle.
DOWNLOADER_MIDDLEWARES["crawler.crawldelay.CrawlDelayMiddleware"] = 555
CRAWLDELAY_ENABLED = True
CRAWLDELAY_MAX = 60.0
# `scrapy validate_sites`: seconds to wait for each fetch; column links followed per site.
VALIDATE_TIMEOUT = 30
VALIDATE_MAX_COLUMNS = 3

# --- faults and safety (issue 7: crawler/ssrf.py, robots.py, backoff.py, redirectloop.py) ---
# Never fetch private/loopback/link-local/metadata addresses (after DNS, on every redirect)
# unless named: start-URL and sites-file host:port, plus SSRF_ALLOWED (host, host:port,
# [v6]:port, CIDR).  The reactor's resolver resolves each name once and connects only to
# addresses the guard checked (no DNS rebinding); a failed lookup is refused.
SSRF_ENABLED = True
SSRF_ALLOWED: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"
SSRF_DNS_TIMEOUT = 10.0  # seconds a lookup may take (it never holds up closing longer)
SSRF_NAMESERVER = ""  # "ip[:port]" to ask that DNS server only; empty: the system's resolver
# robots.txt answering 5xx or not answering: the host waits, robots.txt is fetched again
# after ROBOTS_RETRY_DELAY s (doubling), and after ROBOTS_RETRY_TIMES more failures its
# pages are recorded as not crawled (RFC 9309), instead of Scrapy's allow-all.
ROBOTS_RETRY_TIMES = 2
ROBOTS_RETRY_DELAY = 300.0
# Retries (RETRY_TIMES above) wait: the host's delay doubles on every 5xx/429/timeout.
BACKOFF_ENABLED = True
BACKOFF_BASE_DELAY = 2.0
BACKOFF_MAX_DELAY = 120.0
# A body shorter than its Content-Length is a failed download (retried, then an error row),
# never a truncated page in the archive.
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 10
DOWNLOADER_MIDDLEWARES.update({
    # Replaces Scrapy's RobotsTxtMiddleware (same place, 100).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.StrictRobotsTxtMiddleware": 100,
    # Sees responses before RetryMiddleware (550) turns them into retries.
    "crawler.backoff.BackoffMiddleware": 560,
    # Sees redirects before RedirectMiddleware (600) follows them.
    "crawler.redirectloop.RedirectLoopMiddleware": 610,
    # After HttpProxyMiddleware (750), which decides proxying; before the archive (950).
    "crawler.ssrf.SsrfGuardMiddleware": 760,
})
# --- end faults and safety ---

# --- distributed mode (issue 10: crawler/distributed.py, scrapy-redis) ---
# Set REDIS_URL (redis://host:6379/0) and every worker shares the scheduler, the dupefilter
# and the payload-digest index through that Redis; start URLs come from the Redis list
# reports:start_urls (`scrapy push_starts`).  Empty: one process, as before.
ADDONS = {"crawler.distributed.Distributed": 0}
REDIS_URL = ""
DISTRIBUTED_WORKER = ""  # this worker's id in Redis; default: host-pid-random
DISTRIBUTED_HEARTBEAT = 2.0  # seconds; a worker silent for 3 beats is dead, its requests requeued
DISTRIBUTED_IDLE_CLOSE = 30.0  # close when the whole cluster is idle this long (0: wait forever)
# --- end distributed mode ---

# --- clusters of copies and coverage (issue 11: pipelines/store/copies/cluster.py, canonical.py) ---
# Every report page joins a near-duplicate cluster as it is recorded (also in `scrapy
# extract`); copies match at an estimated Jaccard similarity of CLUSTER_THRESHOLD or more of
# their normalised 5-character shingles.  Off: no clusters, report_copies or coverage rows.
CLUSTER_ENABLED = True
CLUSTER_THRESHOLD = 0.5
# --- end clusters ---

# --- scheduled and incremental crawls (issue 6: crawler/incremental.py, crawler/resume.py) ---
# Recrawls send the validators remembered per URL (url_state) for reports and attachments,
# archive a 304 as a server-not-modified revisit, and clean only new and changed pages.
# Below the archive (950): on the way back the fetch is already archived, body as received.
INCREMENTAL_ENABLED = True
DOWNLOADER_MIDDLEWARES["crawler.incremental.IncrementalMiddleware"] = 940
# With -s JOBDIR=DIR a crawl can be stopped (Ctrl-C once) and resumed; after a killed run
# the frontier is rebuilt from the pages already stored (see crawler/resume.py).
RESUME_ENABLED = True
SPIDER_MIDDLEWARES = {"crawler.resume.ResumeMiddleware": 50}
# Per-site limits in the sites file: max_pages (generic pages) and max_depth (link depth,
# capping that site instead of DEPTH_LIMIT).  After DepthMiddleware (900), which sets depths.
SITEDEPTH_ENABLED = True
SPIDER_MIDDLEWARES["crawler.sitedepth.SiteDepthMiddleware"] = 850
# --- end scheduled and incremental crawls ---

# --- prompt close (issue 17: crawler/promptclose.py) ---
# Ctrl-C, CLOSESPIDER_TIMEOUT or Scrapyd's cancel never wait on robots.txt retries, backoff
# or Crawl-delay: requests waiting for a host are set aside (back into a JOBDIR or Redis
# queue, else a "not fetched" pages row); the close takes DOWNLOAD_TIMEOUT at most.  Last in
# the chain (after the archive, 950): nothing is sent once the close has begun.
PROMPTCLOSE_ENABLED = True
DOWNLOADER_MIDDLEWARES["crawler.promptclose.PromptCloseMiddleware"] = 990
# --- end prompt close ---
