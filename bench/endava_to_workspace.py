"""Convert the Endava support tickets into a workspace file with history.

    python bench/endava_to_workspace.py OUT.json [--tickets PATH] [--limit N]
                                        [--resolver sub_category1|category|business_service]
                                        [--start 2021-01-04T08:00:00Z] [--spacing-minutes 30]

All labels in this file are integer codes, not names:

| workspace field    | from the file                                                                 |
|--------------------|-------------------------------------------------------------------------------|
| ticket_id          | "endava-<row number>" (1-based, file order)                                   |
| subject            | title (107 rows have none: the first 80 characters of body are used)          |
| description        | body (already lower-cased, names stripped)                                    |
| category           | "cat-<category>" (9 codes)                                                    |
| priority           | urgency 0 -> Critical, 1 -> High, 2 -> Medium, 3 -> Low (an ASSUMPTION: the    |
|                    | codes have no names; 3 is by far the most common and goes with impact 4)       |
| board              | "type-<ticket_type>" (0/1, meaning unnamed)                                   |
| resolved_by        | a synthetic team per --resolver code, "endava-sub-<sub_category1>" by default: |
|                    | a finer split than the category, so there is something to learn beyond it     |
| opened_at          | SYNTHETIC: --start + row index x --spacing-minutes (file order is kept)         |
| resolved_at        | SYNTHETIC: opened_at + 1 hour                                                 |
| company            | not in the file: left out                                                     |
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.converted import workspace_write  # noqa: E402

DEFAULT_TICKETS = ROOT.parent / "shared" / "data" / "endava-tickets" / "tickets.csv"  # ../shared beside the checkout
DEFAULT_START = "2021-01-04T08:00:00Z"
PRIORITY = {"0": "Critical", "1": "High", "2": "Medium", "3": "Low"}
RESOLVER_PREFIX = {"sub_category1": "sub", "category": "cat", "business_service": "svc"}


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def convert(path: Path, limit: int | None = None, resolver: str = "sub_category1", start: str = DEFAULT_START,
            spacing_minutes: float = 30) -> tuple[dict, dict]:
    """Returns (workspace document, stats)."""
    origin = datetime.fromisoformat(start)
    prefix = RESOLVER_PREFIX[resolver]
    history, teams, categories, skipped = [], Counter(), Counter(), Counter()
    with path.open(newline="", encoding="utf-8") as f:
        for n, row in enumerate(tqdm(csv.DictReader(f), desc="endava tickets", unit=" rows", mininterval=0.5, total=limit), start=1):
            if limit is not None and n > limit:
                break
            body = (row.get("body") or "").strip()
            title = (row.get("title") or "").strip() or body[:80]
            code, team_code = (row.get("category") or "").strip(), (row.get(resolver) or "").strip()
            if not code or not team_code:
                skipped["no label"] += 1
                continue
            if not title and not body:
                skipped["no text"] += 1
                continue
            opened = origin + timedelta(minutes=spacing_minutes * (n - 1))
            team = f"endava-{prefix}-{team_code}"
            teams[team] += 1
            categories[code] += 1
            record = {
                "ticket_id": f"endava-{n}",
                "subject": title,
                "description": body,
                "category": f"cat-{code}",
                "priority": PRIORITY.get((row.get("urgency") or "").strip(), "Medium"),
                "board": f"type-{(row.get('ticket_type') or '').strip() or 'unknown'}",
                "resolved_by": team,
                "opened_at": iso(opened),
                "resolved_at": iso(opened + timedelta(hours=1)),
            }
            history.append(record)
    technicians = [{"id": t, "name": f"Endava {resolver} {t.rsplit('-', 1)[1]} team"} for t in sorted(teams, key=lambda t: (len(t), t))]
    doc = {"technicians": technicians, "history": history}
    stats = {"rows": len(history) + sum(skipped.values()), "history": len(history), "technicians": len(technicians),
             "categories": len(categories), "skipped": dict(skipped)}
    return doc, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Endava tickets -> workspace history")
    parser.add_argument("out", type=Path, help="output JSON file")
    parser.add_argument("--tickets", type=Path, default=DEFAULT_TICKETS,
                        help="the data set (default: ../shared/data/… beside the checkout, %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows")
    parser.add_argument("--resolver", choices=sorted(RESOLVER_PREFIX), default="sub_category1",
                        help="which code stands in for the resolving team (default sub_category1)")
    parser.add_argument("--start", default=DEFAULT_START, help="synthetic opened_at of the first row (with offset)")
    parser.add_argument("--spacing-minutes", type=float, default=30)
    args = parser.parse_args(argv)
    if not args.tickets.is_file():
        parser.error(f"{args.tickets} not found: give --tickets PATH")

    started = time.monotonic()
    doc, stats = convert(args.tickets, args.limit, args.resolver, args.start, args.spacing_minutes)
    return workspace_write(doc, stats, args.out, started)


if __name__ == "__main__":
    raise SystemExit(main())
