"""bench.effects on a hand-made event log: who resolved, how long they held it, what they knew."""

import csv
from datetime import datetime
from pathlib import Path

from bench.effects import Resolution, load_bpi, main, within_ratio

COLUMNS = [
    "case:concept:name", "org:group", "resource country", "organization country", "org:resource",
    "organization involved", "org:role", "concept:name", "impact", "product", "lifecycle:transition",
    "time:timestamp",
]  # fmt: skip


def write_log(path: Path, events: list[tuple[str, str, str, str, str]]) -> Path:
    """events: (incident, person, product, transition, timestamp)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for case, who, product, transition, ts in events:
            status = "Completed" if transition in ("Resolved", "Closed") else "Accepted"
            w.writerow([case, "G1", "", "", who, "", "", status, "Medium", product, transition, ts])
    return path


def test_resolver_hold_time_and_experience_before_the_cutoff(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "events.csv",
        [
            # before the cutoff Ann worked on two P1 incidents (one she did not resolve) and one P2
            ("1", "Ann", "P1", "In Progress", "2012-04-02T09:00:00+02:00"),
            ("1", "Ann", "P1", "Resolved", "2012-04-02T10:00:00+02:00"),
            ("2", "Bob", "P1", "In Progress", "2012-04-03T09:00:00+02:00"),
            ("2", "Ann", "P1", "Wait", "2012-04-03T10:00:00+02:00"),
            ("3", "Ann", "P2", "In Progress", "2012-04-04T09:00:00+02:00"),
            # after the cutoff: Bob queues it, Ann picks it up at 10:00 and resolves at 12:00
            ("4", "Bob", "P1", "In Progress", "2012-05-02T08:00:00+02:00"),
            ("4", "Ann", "P1", "In Progress", "2012-05-02T10:00:00+02:00"),
            ("4", "Ann", "P1", "Resolved", "2012-05-02T12:00:00+02:00"),
            ("4", "Siebel", "P1", "Closed", "2012-05-09T01:00:00+02:00"),
            # Cid, new to P1, resolves one in 30 minutes
            ("5", "Cid", "P1", "In Progress", "2012-05-03T09:00:00+02:00"),
            ("5", "Cid", "P1", "Resolved", "2012-05-03T09:30:00+02:00"),
            # never resolved by a person: left out
            ("6", "Cid", "P1", "In Progress", "2012-05-03T09:00:00+02:00"),
            ("6", "Siebel", "P1", "Closed", "2012-05-04T09:00:00+02:00"),
        ],
    )
    rows = {r.incident: r for r in load_bpi(log)}
    assert set(rows) == {"4", "5"}  # 1 is before the cutoff, 6 has no person resolving it
    ann = rows["4"]
    assert (ann.resolver, ann.hold_hours, ann.resolution_hours) == ("Ann", 2.0, 4.0)
    assert (ann.product_prior, ann.overall_prior) == (2, 3)
    assert (rows["5"].product_prior, rows["5"].overall_prior) == (0, 0)


def res(product: str, prior: int, hours: float) -> Resolution:
    t = datetime(2012, 5, 2)
    return Resolution("x", "r", product, "Medium", "G", t, hours, hours, prior, prior)


def test_ratio_is_within_product_so_the_mix_of_products_does_not_count() -> None:
    # Product A is slow, B fast; experienced people mostly do B. Within each product experience
    # halves the time, though pooled the experienced look no faster.
    rows = [res("A", 0, 8.0), res("A", 5, 4.0), res("B", 0, 2.0), res("B", 5, 1.0), res("B", 5, 1.0)]
    rows += [res("A", 0, 8.0)] * 3
    table = within_ratio(rows, lambda r: r.product, lambda r: r.product_prior, lambda r: r.hold_hours)
    by = {row["bucket"]: row for row in table}
    assert by["0 (first)"]["ratio"] == 1.0
    assert by["3-9"]["ratio"] == 0.5 and by["3-9"]["groups"] == 2
    assert by["1-2"]["ratio"] is None and by["1-2"]["n"] == 0
    assert by["1+ (any)"]["ratio"] == 0.5 and by["1+ (any)"]["n"] == 3


def test_cli_prints_the_tables_and_what_cannot_be_measured(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    (data / "bpi2013-incidents").mkdir(parents=True)
    write_log(
        data / "bpi2013-incidents" / "events.csv",
        [
            ("5", "Cid", "P1", "In Progress", "2012-05-03T09:00:00+02:00"),
            ("5", "Cid", "P1", "Resolved", "2012-05-03T09:30:00+02:00"),
        ],
    )
    assert main(["--data", str(data), "--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().out
    assert "1 incidents resolved by 1 people" in out
    assert "hold time by product experience, within product" in out
    assert "not measurable: ATA" in out and "not measurable: company familiarity" in out
    assert (tmp_path / "out.json").exists()
