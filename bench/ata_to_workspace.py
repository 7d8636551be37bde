"""Convert the ATA ("Automatic Ticket Assignment") tickets into a workspace file with history.

    python bench/ata_to_workspace.py OUT.json [--tickets PATH] [--limit N]
                                     [--start 2021-01-04T08:00:00Z] [--spacing-minutes 30]

The file has text and an assignment group, nothing else, so:

| workspace field    | from the file                                                              |
|--------------------|----------------------------------------------------------------------------|
| ticket_id          | "ata-<row number>" (1-based, file order)                                   |
| subject            | Short description                                                          |
| description        | Description                                                                |
| category           | Assignment group (GRP_0 ... GRP_73)                                        |
| resolved_by        | a synthetic technician per group, "ata-GRP_x" (the file names no person)    |
| opened_at          | SYNTHETIC: --start + row index x --spacing-minutes (file order is kept)      |
| first_response_at  | not written                                                                |
| resolved_at        | SYNTHETIC: opened_at + 1 hour (the file has no durations)                  |
| priority, company  | not in the file: left out (priority defaults to Medium)                    |

Only the text -> category part of this data is real; the timestamps, durations and the
one-technician-per-group mapping carry no information. The Caller column (scrambled
names) is not used. Rows whose subject and description are both empty are skipped.
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

DEFAULT_TICKETS = ROOT.parent / "shared" / "data" / "ata-tickets" / "tickets.csv"  # ../shared beside the checkout
DEFAULT_START = "2021-01-04T08:00:00Z"


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def convert(path: Path, limit: int | None = None, start: str = DEFAULT_START, spacing_minutes: float = 30) -> tuple[dict, dict]:
    """Returns (workspace document, stats)."""
    origin = datetime.fromisoformat(start)
    history, groups, skipped = [], Counter(), Counter()
    with path.open(newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f)
        for n, row in enumerate(tqdm(rows, desc="ata tickets", unit=" rows", mininterval=0.5, total=limit), start=1):
            if limit is not None and n > limit:
                break
            subject = (row.get("Short description") or "").strip()
            description = (row.get("Description") or "").strip()
            group = (row.get("Assignment group") or "").strip()
            if not group:
                skipped["no group"] += 1
                continue
            if not subject and not description:
                skipped["no text"] += 1
                continue
            opened = origin + timedelta(minutes=spacing_minutes * (n - 1))
            groups[group] += 1
            history.append(
                {
                    "ticket_id": f"ata-{n}",
                    "subject": subject,
                    "description": description,
                    "category": group,
                    "board": "Service Desk",
                    "resolved_by": f"ata-{group}",
                    "opened_at": iso(opened),
                    "resolved_at": iso(opened + timedelta(hours=1)),
                }
            )
    technicians = [{"id": f"ata-{g}", "name": f"{g} team"} for g in sorted(groups, key=lambda g: (len(g), g))]
    doc = {"technicians": technicians, "history": history}
    stats = {"rows": len(history) + sum(skipped.values()), "history": len(history), "technicians": len(technicians),
             "categories": len(groups), "skipped": dict(skipped)}
    return doc, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ATA tickets -> workspace history")
    parser.add_argument("out", type=Path, help="output JSON file")
    parser.add_argument("--tickets", type=Path, default=DEFAULT_TICKETS,
                        help="the data set (default: ../shared/data/… beside the checkout, %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows")
    parser.add_argument("--start", default=DEFAULT_START, help="synthetic opened_at of the first row (with offset)")
    parser.add_argument("--spacing-minutes", type=float, default=30)
    args = parser.parse_args(argv)
    if not args.tickets.is_file():
        parser.error(f"{args.tickets} not found: give --tickets PATH")

    started = time.monotonic()
    doc, stats = convert(args.tickets, args.limit, args.start, args.spacing_minutes)
    return workspace_write(doc, stats, args.out, started)


if __name__ == "__main__":
    raise SystemExit(main())
