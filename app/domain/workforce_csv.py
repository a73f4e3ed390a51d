"""The workforce reports as CSV: one header row, then one row per line of the report, in the
report's order, with the columns always in the order below.

Shares are rounded to four decimals. The succession bench has one row per candidate, with the
role's columns repeated; a role without candidates still has one row, its candidate columns
empty.
"""

import csv
import io
from collections.abc import Iterable

from app.domain.impact import ImpactLine
from app.domain.workforce import Band, Bench, MaturityLine

MATURITY_COLUMNS = (
    "capability_id",
    "capability_key",
    "capability_name",
    "headcount",
    "assessed",
    "proficient",
    "share_proficient",
    "roles",
    "roles_proficient",
    "share_roles_proficient",
    "people_by_level",
)
BENCH_COLUMNS = (
    "role_id",
    "role_key",
    "role_name",
    "holders",
    "ready_now",
    "ready_soon",
    "developing",
    "employee_id",
    "employee_external_id",
    "employee_name",
    "readiness",
    "band",
    "requirements_met",
    "requirements",
)

IMPACT_COLUMNS = (
    "id",
    "key",
    "name",
    "kind",
    "plans",
    "gaps",
    "reassessed",
    "closed",
    "share_closed",
    "mean_level_change",
    "mean_days_to_close",
    "ratings",
    "mean_rating",
)


def _share(value: float) -> str:
    return f"{value:.4f}"


def maturity_csv(lines: Iterable[MaturityLine]) -> str:
    """`people_by_level` reads `1:0 2:3 3:1`: people at each level, from 1 to the top."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MATURITY_COLUMNS)
    for line in lines:
        m = line.maturity
        writer.writerow(
            [
                str(m.capability_id),
                line.capability_key or "",
                line.capability_name or "",
                m.headcount,
                m.assessed,
                m.proficient,
                _share(m.share_proficient),
                m.roles,
                m.roles_proficient,
                _share(m.share_roles_proficient),
                " ".join(f"{level}:{n}" for level, n in enumerate(line.distribution, start=1)),
            ]
        )
    return out.getvalue()


def bench_csv(benches: Iterable[Bench]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BENCH_COLUMNS)
    for bench in benches:
        role = [
            str(bench.role_id),
            bench.role_key,
            bench.role_name,
            bench.holders,
            *(bench.in_band(band) for band in Band),
        ]
        if not bench.candidates:
            writer.writerow([*role, *[""] * 7])
        for c in bench.candidates:
            writer.writerow(
                [
                    *role,
                    str(c.employee_id),
                    c.external_id,
                    c.name,
                    _share(c.readiness),
                    c.band.value,
                    c.requirements_met,
                    c.requirements,
                ]
            )
    return out.getvalue()


def impact_csv(lines: Iterable[ImpactLine]) -> str:
    """Means are rounded to two decimals; a cell is empty where nothing was measured (no gaps,
    no ratings) or the column is a learning item's (kind, ratings) on other lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(IMPACT_COLUMNS)
    for line in lines:
        i = line.impact
        writer.writerow(
            [
                str(i.id),
                line.key or "",
                line.name or "",
                line.kind or "",
                i.plans,
                i.gaps,
                i.reassessed,
                i.closed,
                "" if i.share_closed is None else _share(i.share_closed),
                _mean(i.mean_level_change),
                _mean(i.mean_days_to_close),
                "" if i.ratings is None else i.ratings,
                _mean(i.mean_rating),
            ]
        )
    return out.getvalue()


def _mean(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
