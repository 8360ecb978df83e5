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
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

DOWNLOADER_MIDDLEWARES = {
    # Above HttpCompressionMiddleware (590) and everything that rewrites responses, so the
    # archive sees the bytes as received; below HttpProxy (750) so proxying is already decided.
    "archive.middleware.WarcArchiveMiddleware": 950,
}
ITEM_PIPELINES = {
    "pipelines.cleaning.CleanPipeline": 300,
    "pipelines.store.SQLitePipeline": 800,
}
EXTENSIONS = {
    "crawler.progress.Progress": 500,
}

WARC_ENABLED = True
WARC_PREFIX = "gzbg"
WARC_MAX_SIZE = 1024 * 1024 * 1024  # rotate files at 1 GiB
WARC_OPERATOR = ""

CLEAN_ENABLED = True

SQLITE_ENABLED = True
SQLITE_PATH = ""  # default: DATA_DIR/reports.db

PROGRESS_INTERVAL = 5.0  # seconds between progress lines

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
