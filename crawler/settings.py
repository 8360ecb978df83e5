"""The one settings module of the project, grouped by component.

Component settings carry their component's prefix (WARC_*, CLEAN_*, SQLITE_*) and an
``<PREFIX>_ENABLED`` switch, as Scrapy's own components do.  The order of every middleware,
item pipeline and extension is set once, in "The chain" below.  Every setting is described
in docs/settings.md (tests/test_docs.py checks that).
"""

import os

from scrapy.settings import default_settings as _scrapy_defaults

# Scrapy's cookie middleware asks tldextract for public suffixes, which fetches the list from
# the web on first use: through a crawl's proxy, or on a machine without internet, that is a
# page of tracebacks, and a crawler should fetch nothing it was not asked to.  An empty list
# of URLs makes tldextract use the snapshot it ships.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

# --- project ------------------------------------------------------------------------------
BOT_NAME = "gzbg"  # the project's name in logs and Scrapyd
SPIDER_MODULES = ["crawler.spiders"]  # where `scrapy crawl` finds spiders
NEWSPIDER_MODULE = "crawler.spiders"  # where `scrapy genspider` puts new ones
COMMANDS_MODULE = "crawler.commands"  # our `scrapy` commands (extract, merge, replay, ...)
# Where a crawl writes: DATA_DIR/warc/*.warc.gz and DATA_DIR/reports.db.  Relative paths are
# taken from the working directory, which is the repository root for `scrapy` commands.
DATA_DIR = "data"
# The sites crawled when no start_urls are given.  Empty: crawler/sites.toml as shipped in the
# package (so it is found from any working directory, and inside a Scrapyd egg).
SITES_FILE = ""

# --- the chain: every component and its order, in one place --------------------------------
# Only http(s): a crawler following links from hacked pages must not read local files.
# http(s) go through Scrapy's HTTP/1.1 handler extended to keep the raw response head for
# the archive (archive/http.py).
DOWNLOAD_HANDLERS = {
    "file": None, "data": None, "s3": None, "ftp": None,
    "http": "archive.http.RawHeadHTTP11DownloadHandler",
    "https": "archive.http.RawHeadHTTP11DownloadHandler",
}
# Requests go down (low numbers first), responses come back up (high numbers first).
# Scrapy's own, for reference: Retry 550, HttpCompression 590, Redirect 600, HttpProxy 750.
DOWNLOADER_MIDDLEWARES = {
    # Replaces Scrapy's RobotsTxtMiddleware (same place, 100): retries robots.txt on 5xx.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.StrictRobotsTxtMiddleware": 100,
    # robots.txt Crawl-delay per host.  Below crawler.backoff (560): on the way back it
    # restores the floor after backoff/AutoThrottle.
    "crawler.crawldelay.CrawlDelayMiddleware": 555,
    # Sees responses before RetryMiddleware (550) turns them into retries.
    "crawler.backoff.BackoffMiddleware": 560,
    # Replaces Scrapy's HttpCompressionMiddleware (same place, 590): decodes as `scrapy
    # extract` does (archive/contentcoding.py); a cut or damaged stream is an error.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.contentcoding.ContentDecodingMiddleware": 590,
    # Sees redirects before RedirectMiddleware (600) follows them.
    "crawler.redirectloop.RedirectLoopMiddleware": 610,
    # After HttpProxyMiddleware (750), which decides proxying; before the archive (950).
    "crawler.ssrf.SsrfGuardMiddleware": 760,
    # Below the archive: on the way back the fetch (a 304 too) is already archived.
    "crawler.incremental.IncrementalMiddleware": 940,
    # Above HttpCompressionMiddleware (590) and everything that rewrites responses, so the
    # archive sees the bytes as received; below HttpProxy (750) so proxying is decided.
    "archive.middleware.WarcArchiveMiddleware": 950,
    # Last (after the archive): nothing is sent once a close has begun.
    "crawler.promptclose.PromptCloseMiddleware": 990,
}
SPIDER_MIDDLEWARES = {
    # Distributed mode only (REDIS_URL): start requests from the Redis start list.
    "crawler.distributed.RedisStarts": 10,
    # With JOBDIR only: rebuilds the frontier after a killed run.
    "crawler.resume.ResumeMiddleware": 50,
    # Per-site max_depth; after DepthMiddleware (900), which sets depths.
    "crawler.sitedepth.SiteDepthMiddleware": 850,
}
ITEM_PIPELINES = {
    # pipelines.clean_pipeline.CleanPipeline that skips pages an incremental recrawl found
    # unchanged.
    "pipelines.clean_pipeline.ChangedOnlyCleanPipeline": 300,
    "pipelines.conversion_pipeline.ConversionPipeline": 500,  # cleaned text into the WARC
    "pipelines.store_pipeline.SQLitePipeline": 800,  # page rows into SQLite
}
EXTENSIONS = {
    "crawler.malloctune.MallocTune": 90,  # glibc's malloc gives freed memory back sooner
    "crawler.gcfreeze.GcFreeze": 100,  # the set-up's objects out of the collector's way
    "crawler.progress.Progress": 500,  # progress lines
    "crawler.distributed.Worker": 600,  # distributed mode only (REDIS_URL): heartbeat, requeue
    # spider.state in the JOBDIR, written aside and renamed: a full disk leaves it whole.
    "scrapy.extensions.spiderstate.SpiderState": None,
    "crawler.spiderstate.JobdirSpiderState": 0,
}
# With REDIS_URL set, puts in scrapy-redis's scheduler, dupefilter and the Redis digest index.
ADDONS = {"crawler.distributed.Distributed": 0}

# --- crawl and politeness: government sites are small servers ------------------------------
CONTACT_URL = "https://github.com/gzbg-archive/gzbg-archive"  # named in the User-Agent
USER_AGENT = f"gzbg-archive/0.1 (+{CONTACT_URL})"  # who we are, and where to complain
ROBOTSTXT_OBEY = True  # robots.txt is obeyed (crawler/robots.py)
CONCURRENT_REQUESTS = 16  # requests in flight, all hosts together
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # requests in flight per host
# What a callback yields, handled at once per response (Scrapy's default: 100).  A page yields
# one item and its links, and each of the 100 was an asyncio task started per response: a
# tenth of the reactor's CPU.
CONCURRENT_ITEMS = 8
# Bytes of responses the spider and the item pipelines hold at once (Scrapy's default: 5 MB);
# past it no new request is sent.  Each waits there for its cleaning worker with its body,
# its decoded text and the pickled call: 5 MB of bodies was ~25 MB of the crawl process's
# peak on the mixed bench site; 2 MB keeps the workers as busy (1 MB starved them).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 2_000_000
AUTOTHROTTLE_ENABLED = True  # adapt each host's delay to its response times
AUTOTHROTTLE_START_DELAY = 1.0  # seconds, each host's first delay
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # requests AutoThrottle aims at per host
DOWNLOAD_TIMEOUT = 60  # seconds a fetch may take
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # bodies over 64 MiB are not downloaded
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024  # bodies over 16 MiB are logged
# A body shorter than its Content-Length is a failed download (retried, then an error row),
# never a truncated page in the archive.
DOWNLOAD_FAIL_ON_DATALOSS = True
RETRY_TIMES = 2  # retries of a failed fetch (5xx, 429, timeouts), each after a backoff
REDIRECT_MAX_TIMES = 10  # redirects followed per request (loops are cut earlier)
# robots.txt answering 5xx or not answering: the host waits, robots.txt is fetched again
# after ROBOTS_RETRY_DELAY s (doubling), and after ROBOTS_RETRY_TIMES more failures its
# pages are recorded as not crawled (RFC 9309), instead of Scrapy's allow-all.
ROBOTS_RETRY_TIMES = 2
ROBOTS_RETRY_DELAY = 300.0
# robots.txt is parsed and matched on the reactor: only its first 500 KiB are parsed (RFC 9309
# 2.5 allows ignoring the rest), and its download stops after 1 MiB (crawler/robots.py).
ROBOTSTXT_MAX_BYTES = 500 * 1024
ROBOTSTXT_DOWNLOAD_MAXSIZE = 1024 * 1024
CRAWLDELAY_ENABLED = True  # honour robots.txt Crawl-delay per host
CRAWLDELAY_MAX = 60.0  # seconds: a longer Crawl-delay is capped to this
# Retries (RETRY_TIMES) wait: the host's delay doubles on every 5xx/429/timeout.
BACKOFF_ENABLED = True
BACKOFF_BASE_DELAY = 2.0  # seconds, the first backoff
BACKOFF_MAX_DELAY = 120.0  # seconds, the longest
# Ctrl-C, CLOSESPIDER_TIMEOUT or Scrapyd's cancel never wait on robots.txt retries, backoff
# or Crawl-delay: requests waiting for a host are set aside (back into a JOBDIR or Redis
# queue, else a "not fetched" pages row); the close takes DOWNLOAD_TIMEOUT at most.
PROMPTCLOSE_ENABLED = True

# --- discovery: what is followed (crawler/discovery.py, crawler/spiders/reports.py) -------
# Breadth-first within a depth limit: home page → column → list pages → reports.
DEPTH_LIMIT = 6  # link depth from a start URL; a site's max_depth overrides it
DEPTH_PRIORITY = 1  # positive: breadth-first
# Scrapy's scheduler, but a JOBDIR write that fails (a full disk) stops the crawl as a failed
# WARC or database write does, and loses no request (crawler/scheduler.py).  Distributed mode
# puts in scrapy-redis's.
SCHEDULER = "crawler.scheduler.JobdirScheduler"
# FIFO: breadth-first (JOBDIR); Scrapy's PickleFifoDiskQueue, but a push the disk fills within
# leaves no request cut short (crawler/scheduler.py).
SCHEDULER_DISK_QUEUE = "crawler.scheduler.WholeRecordFifoDiskQueue"
# The start requests' disk queue too: its state is written aside, never left empty (F14).
SCHEDULER_START_DISK_QUEUE = "crawler.scheduler.WholeRecordFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"  # FIFO: breadth-first
# Scrapy's dupefilter, which the spider also asks about a link met before, so a duplicate is
# dropped before a request is built for it (crawler/knownlinks.py).  Distributed mode puts in
# scrapy-redis's.
DUPEFILTER_CLASS = "crawler.knownlinks.SeenFilter"
# Pages per site outside report columns (generic breadth-first links); report and column
# links are not charged to it. A site's max_pages in the sites file overrides it.
DISCOVERY_MAX_PAGES = 1000
DISCOVERY_MAX_FOCUSED = 5000  # safety limit on report/column pages per site (pager traps)
# Report links stay uncharged while they pay off: once a site's report links not (yet) judged
# reports reach max(DISCOVERY_MAX_FALSE_REPORTS, DISCOVERY_FALSE_REPORT_RATIO x its reports
# found), its further ones are charged to DISCOVERY_MAX_PAGES (link farms; 0: never charged).
DISCOVERY_MAX_FALSE_REPORTS = 50
DISCOVERY_FALSE_REPORT_RATIO = 10.0
DISCOVERY_MAX_PAGER = 200  # list pages generated from one createPageHTML(...) JS pager
# Links are extracted on the reactor: from one page, only its first LINKS_MAX_BYTES are parsed
# and its first LINKS_MAX_PER_PAGE hrefs read; the rest are counted (links/bytes_cut,
# links/cut) and the page logged.  Government list pages have a few hundred links.
LINKS_MAX_PER_PAGE = 10_000
LINKS_MAX_BYTES = 8 * 1024 * 1024
DISCOVERY_SITEMAP = True  # probe /sitemap.xml on every start host (a 404 is no failure)
SITEDEPTH_ENABLED = True  # honour the sites file's per-site max_depth (crawler/sitedepth.py)
VALIDATE_TIMEOUT = 30  # `scrapy validate_sites`: seconds to wait for each fetch
VALIDATE_MAX_COLUMNS = 3  # `scrapy validate_sites`: column links followed per site

# --- SSRF and DNS (crawler/ssrf.py, crawler/resolver.py) -----------------------------------
# Never fetch private/loopback/link-local/metadata addresses (after DNS, on every redirect)
# unless named: start-URL and sites-file host:port, plus SSRF_ALLOWED (host, host:port,
# [v6]:port, CIDR).  The reactor's resolver resolves each name once and connects only to
# addresses the guard checked (no DNS rebinding); a failed lookup is refused.
SSRF_ENABLED = True
SSRF_ALLOWED: list[str] = []  # more allowed private hosts/addresses (host, host:port, CIDR)
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"  # resolves once, for the guard
SSRF_DNS_TIMEOUT = 10.0  # seconds a lookup may take (it never holds up closing longer)
SSRF_NAMESERVER = ""  # "ip[:port]" to ask that DNS server only; empty: the system's resolver

# --- archive: WARC files (archive/) -------------------------------------------------------
WARC_ENABLED = True  # every fetch into DATA_DIR/warc, bytes as received
WARC_PREFIX = "gzbg"  # WARC file names start with it
WARC_MAX_SIZE = 1024 * 1024 * 1024  # rotate files at 1 GiB
WARC_GZIP_LEVEL = 2  # ISA-L deflate level of each record, 0-3 (docs/archive.md)
WARC_OPERATOR = ""  # the warcinfo record's operator field
CRAWL_ID = ""  # names the crawl in warcinfo records (empty: random) and crawls.crawl_key
WARC_DEDUP_ENABLED = True  # identical payloads become revisit records
WARC_DEDUP_PATH = ""  # default: DATA_DIR/digests.db (the digest index, kept across crawls)
WARC_CONVERSIONS_ENABLED = True  # conversion + metadata records for every report
WARC_REPLAY_PORT = 8090  # `scrapy replay` (pywb on 127.0.0.1)
WARC_PYWB_VENV = ".venv-pywb"  # pywb and py-wacz live in their own venv (see Makefile)
# Bodies are archived as received: only the encodings every WARC reader and replay decodes are
# asked for.  Scrapy also asks for br and zstd, which warcio 1.8 fails on (br) or does not know
# (zstd, and so pywb cannot rewrite such a page for replay).
DEFAULT_REQUEST_HEADERS = {**_scrapy_defaults.DEFAULT_REQUEST_HEADERS,
                           "Accept-Encoding": "gzip, deflate"}

# --- cleaning (pipelines/clean/, pipelines/clean_pipeline.py) -------------------------------
CLEAN_ENABLED = True  # clean every page (text, title, region, year)
CLEAN_WORKERS = -1  # cleaning processes beside the reactor; -1: one per other core, 0: inline
EXTRACT_WORKERS = -1  # `scrapy extract` cleaning processes; -1: one per core, 1: no pool
# Seconds (wall clock) a cleaning worker may spend on one page (crawl and `scrapy extract`); a
# page over it is recorded with a `timeout` error and skipped, its worker replaced.  0: none.
CLEAN_TIMEOUT = 10.0

# --- store: SQLite and clusters of copies (pipelines/store/) --------------------------------
SQLITE_ENABLED = True  # page rows into SQLite
SQLITE_PATH = ""  # default: DATA_DIR/reports.db
SQLITE_PROCESS = True  # write from a process of its own (pipelines/store/writer.py); False: inline
SQLITE_BACKLOG = 256  # pages sent to the writer process and not yet written; past it, items wait
# Every report page joins a near-duplicate cluster as it is recorded (also in `scrapy
# extract`); copies match at an estimated Jaccard similarity of CLUSTER_THRESHOLD or more of
# their normalised 5-character shingles.  Off: no clusters, report_copies or coverage rows.
CLUSTER_ENABLED = True
CLUSTER_THRESHOLD = 0.5  # estimated Jaccard similarity at which two reports are copies

# --- incremental crawls and resume (crawler/incremental.py, crawler/resume.py) -------------
# Recrawls send the validators remembered per URL (url_state) for reports and attachments,
# archive a 304 as a server-not-modified revisit, and clean only new and changed pages.
INCREMENTAL_ENABLED = True
# With -s JOBDIR=DIR a crawl can be stopped (Ctrl-C once) and resumed; after a killed run
# the frontier is rebuilt from the pages already stored (see crawler/resume.py).
RESUME_ENABLED = True

# --- distributed mode (crawler/distributed.py, scrapy-redis) -------------------------------
# Set REDIS_URL (redis://host:6379/0) and every worker shares the scheduler, the dupefilter
# and the payload-digest index through that Redis; start URLs come from the Redis list
# reports:start_urls (`scrapy push_starts`).  Empty: one process.
REDIS_URL = ""
DISTRIBUTED_WORKER = ""  # this worker's id in Redis; default: host-pid-random
DISTRIBUTED_HEARTBEAT = 2.0  # seconds; a worker silent for 3 beats is dead, its requests requeued
DISTRIBUTED_IDLE_CLOSE = 30.0  # close when the whole cluster is idle this long (0: wait forever)

# --- progress, logging and ways in ---------------------------------------------------------
PROGRESS_INTERVAL = 5.0  # seconds between progress lines (0: none)
LOG_LEVEL = "INFO"  # Scrapy's log level
# Scrapy's memory stats collector without its per-read wrapper (crawler/stats.py).
STATS_CLASS = "crawler.stats.StatsCollector"
FEED_EXPORT_ENCODING = "utf-8"  # `-o` feeds keep Chinese readable
# No way into a running crawl: Scrapy's telnet console and its remote-control server (an
# HTTP endpoint that runs posted Python code, on by default since Scrapy 2.19) are off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
