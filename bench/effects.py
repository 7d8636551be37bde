"""How much does a resolver's experience shorten the work? Measured on the shared real data.

    python -m bench.effects [--data ../shared/data] [--json FILE]

Only BPI 2013 (Volvo IT incident log) has both timestamps and the person who resolved each
incident; ATA and Endava carry neither (text and labels only), so they cannot show a handling
time and the script says so. BPI has no customer company either: its `product` (704 values,
the system the incident is about) is the closest thing to a category, and to "this customer's
setup", so product experience is what is measured; the company familiarity the simulator models
is not measured by any of the three data sets.

For every incident resolved by a person (the `Completed / Resolved` event; the Siebel system
account is skipped):

- hold time: from the resolver's first event in their last stint on the incident (after the
  previous event by someone else) to the Resolved event, in hours. That is the time the incident
  sat with the person who resolved it: hands-on work plus their own waits, without the queueing
  before they got it.
- resolution time: from the incident's first event to the Resolved event.
- product experience: how many incidents of the same product this resolver had resolved before
  (by resolve time); overall experience: how many incidents of any product.

Experience and difficulty are confounded (experienced people get the common, easy products), so
the ratio is measured *within product*: for each product and experience bucket the median log
time, then the bucket's difference from the product's first-time resolvers (bucket 0), averaged
over products weighted by the smaller of the two counts, and exponentiated. A ratio of 0.8 means
a resolver in that bucket takes 0.8x the time a first-time resolver of the same product takes.
The same within-resolver (each person's own first tickets of a product vs their later ones)
separates learning from "fast people do more".
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared beside the checkout
SYSTEM_ACCOUNTS = frozenset({"Siebel", ""})
# Experience buckets: (label, lo, hi) over the count of earlier resolutions (hi exclusive).
BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("0 (first)", 0, 1),
    ("1-2", 1, 3),
    ("3-9", 3, 10),
    ("10-29", 10, 30),
    ("30+", 30, 10**9),
)
CUTOFF = datetime.fromisoformat("2012-05-01T00:00:00+02:00")
ANY = len(BUCKETS)  # the pooled "1+" row
MIN_HOURS = 1 / 60  # holds under a minute are bookkeeping (resolved on pickup), not work


@dataclass(frozen=True)
class Resolution:
    incident: str
    resolver: str
    product: str
    impact: str
    team: str  # the support team (org:group) on the Resolved event
    stint_start: datetime
    hold_hours: float
    resolution_hours: float
    product_prior: int  # incidents of this product the resolver worked on before the cutoff
    overall_prior: int  # incidents of any product the resolver worked on before the cutoff


def load_bpi(path: Path, cutoff: datetime = CUTOFF) -> list[Resolution]:
    """Resolutions whose resolver's last stint starts on or after `cutoff`, with the resolver's
    involvement before the cutoff (any event on an incident counts as having worked on it)."""
    cases: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            cases[row["case:concept:name"]].append(row)
    before_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    before_person: dict[str, set[str]] = defaultdict(set)
    out: list[Resolution] = []
    for case, events in cases.items():
        events.sort(key=lambda r: r["time:timestamp"])
        times = [datetime.fromisoformat(r["time:timestamp"]) for r in events]
        for r, t in zip(events, times, strict=True):
            who = r["org:resource"]
            if t < cutoff and who not in SYSTEM_ACCOUNTS:
                before_pair[(who, r["product"])].add(case)
                before_person[who].add(case)
        # the last Resolved event by a person
        idx = next(
            (
                i
                for i in range(len(events) - 1, -1, -1)
                if events[i]["lifecycle:transition"] == "Resolved"
                and events[i]["org:resource"] not in SYSTEM_ACCOUNTS
            ),
            None,
        )
        if idx is None:
            continue
        who = events[idx]["org:resource"]
        start = idx
        while start > 0 and events[start - 1]["org:resource"] == who:
            start -= 1
        if times[start] < cutoff:
            continue
        out.append(
            Resolution(
                incident=case,
                resolver=who,
                product=events[idx]["product"],
                impact=events[idx]["impact"],
                team=events[idx]["org:group"],
                stint_start=times[start],
                hold_hours=(times[idx] - times[start]).total_seconds() / 3600,
                resolution_hours=(times[idx] - times[0]).total_seconds() / 3600,
                product_prior=0,
                overall_prior=0,
            )
        )
    return [
        replace(
            r,
            product_prior=len(before_pair[(r.resolver, r.product)] - {r.incident}),
            overall_prior=len(before_person[r.resolver] - {r.incident}),
        )
        for r in out
    ]


def bucket(n: int) -> int:
    return next(i for i, (_, lo, hi) in enumerate(BUCKETS) if lo <= n < hi)


def within_ratio(
    rows: Sequence[Resolution],
    group: Callable[[Resolution], str],
    prior: Callable[[Resolution], int],
    value: Callable[[Resolution], float],
) -> list[dict[str, Any]]:
    """Per experience bucket: n, median hours, and the within-group ratio to bucket 0."""
    cells: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        v = value(r)
        if v >= MIN_HOURS:
            cells[group(r)][bucket(prior(r))].append(math.log(v))
    # "1+": every experienced bucket pooled against first-timers (more products have both).
    for g in cells.values():
        g[ANY] = [x for b, xs in g.items() if 0 < b < ANY for x in xs]
    table = []
    for b, (label, _, _) in [*enumerate(BUCKETS), (ANY, ("1+ (any)", 1, 10**9))]:
        all_logs = [x for g in cells.values() for x in g.get(b, [])]
        diff_sum = weight = 0.0
        groups = 0
        for g in cells.values():
            if g.get(b) and g.get(0):
                w = min(len(g[b]), len(g[0]))
                diff_sum += w * (statistics.median(g[b]) - statistics.median(g[0]))
                weight += w
                groups += 1
        table.append(
            {
                "bucket": label,
                "n": len(all_logs),
                "median_hours": round(math.exp(statistics.median(all_logs)), 2) if all_logs else None,
                "ratio": round(math.exp(diff_sum / weight), 3) if weight else None,
                "groups": groups,
            }
        )
    return table


def measure(data: Path) -> dict[str, Any]:
    rows = load_bpi(data / "bpi2013-incidents" / "events.csv")
    people = {r.resolver for r in rows}
    product = lambda r: r.product  # noqa: E731
    product_team = lambda r: f"{r.product}|{r.team}"  # noqa: E731
    hold = lambda r: r.hold_hours  # noqa: E731
    res = lambda r: r.resolution_hours  # noqa: E731
    pp = lambda r: r.product_prior  # noqa: E731
    op = lambda r: r.overall_prior  # noqa: E731
    return {
        "source": "BPI 2013 incidents",
        "incidents_resolved": len(rows),
        "resolvers": len(people),
        "products": len({r.product for r in rows}),
        "tables": {
            "hold time by product experience, within product": within_ratio(rows, product, pp, hold),
            "hold time by product experience, within product and resolving team": within_ratio(
                rows, product_team, pp, hold
            ),
            "hold time by overall experience, within product": within_ratio(rows, product, op, hold),
            "resolution time by product experience, within product": within_ratio(rows, product, pp, res),
        },
        "not_measurable": {
            "ATA": "no timestamps and no resolver (text, caller and assignment group only)",
            "Endava": "no timestamps and no resolver (text and integer labels only)",
            "company familiarity": "none of the three data sets names the customer company of a timed ticket",
        },
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{result['source']}: {result['incidents_resolved']} incidents resolved by "
        f"{result['resolvers']} people over {result['products']} products",
        "ratio = time relative to a first-time resolver of the same product (within-group median of logs)",
        "",
    ]
    for title, table in result["tables"].items():
        lines.append(title)
        lines.append(f"  {'earlier resolutions':<20} {'n':>6} {'median h':>9} {'ratio':>6} {'groups':>6}")
        for row in table:
            ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
            med = f"{row['median_hours']:.2f}" if row["median_hours"] is not None else "-"
            lines.append(f"  {row['bucket']:<20} {row['n']:>6} {med:>9} {ratio:>6} {row['groups']:>6}")
        lines.append("")
    for name, why in result["not_measurable"].items():
        lines.append(f"not measurable: {name}: {why}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.effects", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    result = measure(args.data)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
