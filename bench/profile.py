"""Read py-spy's collapsed stacks (``--format raw --threads --idle``) into a short summary.

Each line is ``thread (tid): Name;frame;frame;... count``; a frame is ``function (file:line)``.
Idle samples are kept, so the main thread's samples add up to its wall time, and the share
spent inside a function is the share of wall time the reactor could do nothing else.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^():]+?)(?::\d+)?\)$")
# What the reactor waits in when it has nothing to do.
IDLE_LEAVES = ("select (", "poll (", "epoll", "_run_once (asyncio/base_events.py")
# The crawl proper: samples under the reactor's loop (start-up imports are not).
RUN_LOOP = ("BaseEventLoop.run_forever", "AsyncioSelectorReactor.run", "EPollReactor.run")
PROJECT_DIRS = ("pipelines", "archive", "crawler")
# Pipeline stages by the files their frames live in: first match wins, in this order.
STAGES = (
    ("cleaning (pipelines/clean*, pipelines/*)", ("pipelines/clean_pipeline.py", "pipelines/clean/cleaner.py")),
    ("SQLite store (pipelines/store_pipeline.py)", ("pipelines/store_pipeline.py",)),
    ("WARC archiving (archive/*)", ("archive/",)),
    ("link extraction (scrapy/linkextractors)", ("scrapy/linkextractors/",)),
    ("spider callback (crawler/spiders/*)", ("crawler/spiders/",)),
    ("HTTP client (twisted/web, scrapy/core/http11)", ("twisted/web/", "core/downloader/handlers/")),
    ("logging", ("logging/__init__.py",)),
)


@dataclass
class Profile:
    samples: int = 0  # main-thread samples while the reactor ran, idle included (∝ wall time)
    idle: int = 0
    outside: int = 0  # start-up and shutdown: samples not under the reactor loop
    stages: Counter[str] = field(default_factory=Counter)
    self_time: Counter[str] = field(default_factory=Counter)  # leaf frames
    inclusive: Counter[str] = field(default_factory=Counter)  # frames anywhere on the stack

    def share(self, count: int) -> str:
        return f"{100 * count / self.samples:.1f}%" if self.samples else "n/a"


def frame_name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "lib/python3.11/"):
        path = path.split(marker, 1)[-1]
    return f"{m['func']} ({path})"


def is_idle(leaf: str) -> bool:
    return any(marker in leaf for marker in IDLE_LEAVES)


def read(path: Path) -> Profile:
    prof = Profile()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack.startswith("thread") or "MainThread" not in stack.split(";", 1)[0]:
            continue  # the reactor is the main thread; DNS and other pool threads are not
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";")[1:]]
        if not any(f.startswith(RUN_LOOP) for f in frames):
            prof.outside += n
            continue
        prof.samples += n
        leaf = frames[-1]
        if is_idle(leaf):
            prof.idle += n
            continue
        prof.self_time[leaf] += n
        for name in set(frames):
            prof.inclusive[name] += n
        joined = ";".join(frames)
        for stage, markers in STAGES:
            if any(m in joined for m in markers):
                prof.stages[stage] += n
                break
        else:
            prof.stages["other (Scrapy engine, Twisted, asyncio)"] += n
    return prof


def summary(prof: Profile, title: str, top: int = 12) -> str:
    lines = [f"#### {title}", "",
             f"main-thread samples while the reactor ran: {prof.samples} (idle included; "
             f"{prof.outside} more in start-up and shutdown); reactor idle "
             f"{prof.share(prof.idle)}, busy {prof.share(prof.samples - prof.idle)}", "",
             "| stage (main thread, inclusive) | share of wall time |", "|---|---|"]
    lines += [f"| {stage} | {prof.share(n)} |" for stage, n in prof.stages.most_common()]
    cleaning = prof.stages.get(STAGES[0][0], 0)
    if cleaning:
        lines += ["", f"Cleaning runs on the reactor thread: {prof.share(cleaning)} of the crawl's "
                  "wall time the reactor was inside it, reading and sending nothing."]
    lines += ["", "| top functions, self time | share |", "|---|---|"]
    lines += [f"| `{name}` | {prof.share(n)} |" for name, n in prof.self_time.most_common(top)]
    # Inclusive: skip the frames every busy sample passes through (reactor and engine loops).
    busy = prof.samples - prof.idle
    lines += ["", "| top functions, inclusive (below the event loop) | share |", "|---|---|"]
    shown = 0
    for name, n in prof.inclusive.most_common():
        if n >= 0.9 * busy:
            continue
        lines.append(f"| `{name}` | {prof.share(n)} |")
        shown += 1
        if shown == top:
            break
    # The project's own code, inclusive: where to look inside the stages above.
    lines += ["", "| project code, inclusive | share |", "|---|---|"]
    own = [(name, n) for name, n in prof.inclusive.most_common()
           if any(f"({d}/" in name for d in PROJECT_DIRS)]
    lines += [f"| `{name}` | {prof.share(n)} |" for name, n in own[:top]]
    return "\n".join(lines) + "\n"
