"""The one settings module of the project.

Component settings carry their component's prefix (WARC_*, CLEAN_*, SQLITE_*) and an
``<PREFIX>_ENABLED`` switch, as Scrapy's own components do.
"""

BOT_NAME = "gzbg"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Where a crawl writes: DATA_DIR/warc/*.warc.gz and DATA_DIR/reports.db.  Relative paths are
# taken from the working directory, which is the repository root for `scrapy` commands.
DATA_DIR = "data"
# The sites crawled when no start_urls are given.
SITES_FILE = "crawler/sites.toml"

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
    "pipelines.cleaning.CleanPipeline": 300,
    "archive.conversion.ConversionPipeline": 500,  # cleaned text into the WARC (issue 4)
    "pipelines.store.SQLitePipeline": 800,
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

SQLITE_ENABLED = True
SQLITE_PATH = ""  # default: DATA_DIR/reports.db

PROGRESS_INTERVAL = 5.0  # seconds between progress lines

TELNETCONSOLE_ENABLED = False
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
# `scrapy validate-sites`: seconds to wait for each fetch; column links followed per site.
VALIDATE_TIMEOUT = 30
VALIDATE_MAX_COLUMNS = 3

# --- faults and safety (issue 7: crawler/ssrf.py, robots.py, backoff.py, redirectloop.py) ---
# Never fetch private/loopback/link-local/metadata addresses (after DNS, on every redirect)
# unless named: start-URL and sites-file hosts, plus SSRF_ALLOWED (hosts, host:port, CIDR).
SSRF_ENABLED = True
SSRF_ALLOWED: list[str] = []
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
