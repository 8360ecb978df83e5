"""`make demo`: serve the offline fixture web, crawl it, and summarise what was archived.

The fixture web answers as a loopback HTTP proxy for the real sites' hostnames (and never
forwards anywhere), so the crawl runs exactly as against the real sites, with no network.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from crawler.commands.summary import summarize
from fixtureweb import PACKAGE_DIR
from fixtureweb.crawl import REPO, SCRAPY, crawl_env
from fixtureweb.server import running

FIXTURE_SITES = PACKAGE_DIR / "sites.toml"


def warc_check(warc_dir: Path) -> list[str]:
    """Problems `warcio check` and `gzip -t` find in the crawl's WARC files (empty: all pass)."""
    files = sorted(str(p) for p in warc_dir.glob("*.warc.gz"))
    if not files:
        return ["no WARC files written"]
    warcio = Path(sys.executable).with_name("warcio")
    proc = subprocess.run([str(warcio), "check", *files], capture_output=True, text=True)
    problems = [] if proc.returncode == 0 else [proc.stdout + proc.stderr]
    # warcio does not notice a truncated gzip member; gzip -t does.
    for name in files:
        if subprocess.run(["gzip", "-t", name], capture_output=True).returncode != 0:
            problems.append(f"gzip -t fails on {name}")
    return problems


def shown(line: str) -> bool:
    """What the demo shows of the crawl's log: progress, and anything that went wrong."""
    return "[crawler.progress]" in line or " ERROR: " in line or " CRITICAL: " in line


def run_showing_progress(cmd: list[str], env: dict[str, str], log: Path) -> int:
    """Run the crawl with its log going to a file, echoing the lines worth seeing."""
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    seen = 0
    while True:
        done = proc.poll() is not None  # read once more after it ended: its last lines
        if log.exists():
            with open(log, encoding="utf-8", errors="replace") as fh:
                fh.seek(seen)
                text = fh.read()
            # Only whole lines; the rest is read again next time.
            whole = text[:text.rfind("\n") + 1]
            seen += len(whole.encode("utf-8"))
            for line in whole.splitlines():
                if shown(line):
                    print(" ", line.split("] ", 1)[-1], flush=True)
        if done:
            return proc.returncode
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="loopback port of the fixture web")
    parser.add_argument("--data-dir", default=str(REPO / "data" / "demo"),
                        help="where the demo crawl writes (emptied first)")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    with running(port=args.port) as web:
        print(f"fixture web serving on {web.proxy_url} (as a proxy for the fixture hostnames)")
        # The fixture web's own sites file: the same five sites as crawler/sites.toml's seed
        # sources, without the real sites it cannot serve.
        log = data_dir / "crawl.log"
        cmd = [SCRAPY, "crawl", "reports",
               "-s", f"DATA_DIR={data_dir}", "-s", f"SITES_FILE={FIXTURE_SITES}",
               "-s", "PROGRESS_INTERVAL=2", "-s", f"LOG_FILE={log}"]
        print("$", " ".join(cmd), flush=True)
        data_dir.mkdir(parents=True)
        code = run_showing_progress(cmd, crawl_env(web.proxy_url), log)
        print(f"full log: {log}")
    if code != 0:
        print(f"crawl failed with exit code {code}", file=sys.stderr)
        return code
    print()
    print(summarize(data_dir))
    problems = warc_check(data_dir / "warc")
    print("warcio check, gzip -t:", "all files pass" if not problems else "\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
