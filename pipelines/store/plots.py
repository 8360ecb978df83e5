"""PNG charts of a crawl database (`scrapy summary --plots DIR`): reports per year by
province, and coverage of every government as a heat map of provinces by years.

The same pictures as Datasette's dashboard (datasette.yml: datasette-dashboards), for a
report or a paper.  Labels are Chinese: a CJK font is looked up with fontconfig, then at
Debian's fonts-noto-cjk paths (`make browser-deps` installs it); without one the charts are
still drawn and the caller is told the labels may show as boxes.
"""

from __future__ import annotations

import subprocess
import warnings
from collections import defaultdict
from functools import cache
from pathlib import Path

import sqlite_utils
from matplotlib import font_manager, rc_context
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DEBIAN_CJK = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
PER_YEAR = "reports-per-year.png"
COVERAGE = "coverage-heatmap.png"


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib; None if none."""
    for path in (*_fontconfig_cjk(), *DEBIAN_CJK):
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    return None


def _fontconfig_cjk() -> list[Path]:
    try:
        proc = subprocess.run(["fc-match", "-f", "%{file}\n%{lang}", ":lang=zh-cn"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):  # no fontconfig: the fixed paths remain
        return []
    path, _, langs = proc.stdout.partition("\n")
    # fc-match always answers; only a font that covers Chinese will do.
    return [Path(path)] if path and "zh-cn" in langs.split("|") else []


def reports_per_year(db: sqlite_utils.Database) -> dict[str, dict[int, int]]:
    """Reports per province (? when unknown) and year."""
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for row in db.query("select coalesce(province, '?') as province, year, count(*) as n "
                        "from report_list where year is not null group by 1, 2"):
        counts[row["province"]][row["year"]] = row["n"]
    return dict(counts)


def coverage_by_province(db: sqlite_utils.Database) -> dict[str, dict[int, tuple[int, int]]]:
    """(governments with a report, governments) per province and year, provinces in code
    order; empty when coverage has no years (no clusters with a year)."""
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for row in db.query("select province, year, sum(status = 'found') as found, "
                        "count(*) as n from coverage where code is not null "
                        "group by province, year order by min(code), year"):
        out.setdefault(row["province"], {})[row["year"]] = (row["found"], row["n"])
    return out


def write_plots(db: sqlite_utils.Database, out_dir: Path) -> list[Path]:
    """Draw the charts the database has data for into out_dir; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    family = cjk_font()
    written = []
    with rc_context({"font.family": [family, "sans-serif"] if family else ["sans-serif"],
                     "axes.unicode_minus": False}), warnings.catch_warnings():
        # Without a CJK font matplotlib warns once per missing glyph; the caller says it once.
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        per_year = reports_per_year(db)
        if per_year:
            written.append(_save(_per_year_figure(per_year), out_dir / PER_YEAR))
        coverage = coverage_by_province(db)
        if coverage:
            written.append(_save(_coverage_figure(coverage), out_dir / COVERAGE))
    return written


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, format="png")
    return path


def _per_year_figure(counts: dict[str, dict[int, int]]) -> Figure:
    years = sorted({y for by_year in counts.values() for y in by_year})
    fig = Figure(figsize=(10, 6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    bottom = [0] * len(years)
    for province in sorted(counts, key=lambda p: -sum(counts[p].values())):
        heights = [counts[province].get(y, 0) for y in years]
        ax.bar([str(y) for y in years], heights, bottom=bottom, label=province)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title("各省每年找到的政府工作报告 (reports per year, by province)")
    ax.set_xlabel("year")
    ax.set_ylabel("reports")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(title="province", loc="upper left", bbox_to_anchor=(1, 1), fontsize="small")
    return fig


def _coverage_figure(coverage: dict[str, dict[int, tuple[int, int]]]) -> Figure:
    provinces = list(coverage)
    years = sorted({y for by_year in coverage.values() for y in by_year})
    share = [[_share(coverage[p].get(y)) for y in years] for p in provinces]
    fig = Figure(figsize=(max(6, 1.1 * len(years) + 4), 0.32 * len(provinces) + 2), dpi=100,
                 layout="constrained")
    ax = fig.add_subplot()
    # A square-root scale: a few percent found is the usual case and must not look empty.
    image = ax.imshow(share, cmap="Greens", norm=PowerNorm(0.5, vmin=0, vmax=1), aspect="auto")
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_yticks(range(len(provinces)), provinces)
    for i, p in enumerate(provinces):
        for j, y in enumerate(years):
            found, n = coverage[p].get(y, (0, 0))
            ax.text(j, i, f"{found}/{n}", ha="center", va="center", fontsize=7,
                    color="white" if share[i][j] > 0.35 else "black")
    ax.set_title("覆盖率: 有报告的政府 / 全部政府 (coverage: governments with a report)")
    fig.colorbar(image, ax=ax, label="share of governments with a report")
    return fig


def _share(cell: tuple[int, int] | None) -> float:
    return cell[0] / cell[1] if cell and cell[1] else 0.0
