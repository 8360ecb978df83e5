"""The server measured alone, before any crawler: ``wrk`` over every page of the site.

wrk (Debian package, ``make bench-tools``) requests the site's paths in turn from a Lua
script, on one thread, so the server keeps the other core.  Without wrk a small asyncio
client does the same job (slower itself, so its number is a lower bound for the server).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LUA = """local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


@dataclass
class Load:
    tool: str
    requests_per_s: float
    mb_per_s: float
    connections: int


def _mb(value: str, unit: str) -> float:
    return float(value) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[unit]


def with_wrk(url: str, paths: list[str], work: Path, seconds: int, connections: int) -> Load:
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = work / "paths.lua"
    script.write_text(LUA % listing, encoding="utf-8")
    proc = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
                           url], capture_output=True, text=True, timeout=seconds + 60)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", proc.stdout)
    tps = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", proc.stdout)
    if proc.returncode != 0 or not rps or not tps:
        raise RuntimeError(f"wrk failed: {proc.stdout}{proc.stderr}")
    return Load("wrk -t1", float(rps.group(1)), _mb(tps.group(1), tps.group(2)), connections)


async def _client(port: int, paths: list[str], deadline: float, tally: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    while time.perf_counter() < deadline:
        path = paths[i % len(paths)]
        i += 1
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        tally[0] += 1
        tally[1] += len(head) + length
    writer.close()


def with_python(port: int, paths: list[str], seconds: int, connections: int) -> Load:
    tally = [0, 0]

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(_client(port, paths[k::connections] or paths, deadline, tally)
                               for k in range(connections)))

    start = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - start
    return Load("python asyncio client", tally[0] / elapsed, tally[1] / elapsed / 1e6,
                connections)


def measure(url: str, port: int, paths: list[str], work: Path, seconds: int = 5,
            connections: int = 16) -> Load:
    if shutil.which("wrk"):
        return with_wrk(url, paths, work, seconds, connections)
    return with_python(port, paths, seconds, connections)
