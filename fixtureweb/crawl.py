"""Run the real `scrapy crawl reports` in a subprocess against the fixture web."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fixtureweb import load_manifest
from fixtureweb.server import running

REPO = Path(__file__).resolve().parents[1]
SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def crawl_env(proxy_url: str) -> dict[str, str]:
    """Environment for a crawl through the fixture proxy; loopback itself is never proxied."""
    env = dict(os.environ)
    for key in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        env[key] = proxy_url
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def crawl(data_dir: Path, proxy_url: str | None, *args: str,
          timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Crawl into data_dir; with proxy_url, fixture hostnames resolve through the fixture web."""
    env = crawl_env(proxy_url) if proxy_url else None
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data_dir}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "PROGRESS_INTERVAL=1", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def crawl_fixture_web(data_dir: Path) -> str:
    """Crawl every fixture site into data_dir through the fixture proxy; return the crawl's log."""
    with running() as web:
        start = ",".join(site["start_url"] for site in load_manifest()["sites"])
        proc = crawl(data_dir, web.proxy_url, "-a", f"start_urls={start}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr
