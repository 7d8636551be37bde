"""python manage.py evaluate_history [--holdout 0.2] [--json FILE]  (contracts/evaluation.md)"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from dispatch.learning.experience import HALF_LIFE_DAYS, PRIOR_STRENGTH
from dispatch.learning.replay import ReplayResult, replay


def _holdout(value: str) -> float:
    share = float(value)
    if not 0 < share < 1:
        raise ValueError("holdout must be between 0 and 1")
    return share


class Command(BaseCommand):
    help = (
        "Replay the imported history without peeking: rank every technician for each ticket of the "
        "last --holdout share as of when it was opened, and report how often the actual resolver is "
        "in the top 1/3/5, against frequency baselines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--holdout", type=_holdout, default=0.2, help="Share of history (the latest) to test on"
        )
        parser.add_argument("--json", dest="json_file", help="Write the results as JSON to this file")
        parser.add_argument(
            "--half-life", type=float, default=HALF_LIFE_DAYS, help="Experience half-life in days"
        )
        parser.add_argument(
            "--prior-strength", type=float, default=PRIOR_STRENGTH, help="Smoothing pseudo-tickets"
        )
        parser.add_argument(
            "--strategy", default=None, help="Dispatch strategy (default: the organisation's mode)"
        )
        parser.add_argument(
            "--no-learned-patterns",
            action="store_true",
            help="Rank without the capacity and working hours learned from the training period",
        )
        parser.add_argument(
            "--no-fit",
            action="store_true",
            help="Rank with the desk's weights as set, instead of those fitted on the training period",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from dispatch.learning.db import replay_inputs

        quiet = options["verbosity"] == 0
        inputs = replay_inputs(timezone.now())
        if not any(r.tech for r in inputs.records):
            raise CommandError(
                "No history with a resolving technician: import history first (import_workspace)"
            )
        fit_bar = tqdm(desc="weight fit", unit=" tickets", disable=quiet, file=sys.stderr, mininterval=0.5)
        bar = tqdm(desc="replay", unit=" tickets", disable=quiet, file=sys.stderr, mininterval=0.5)

        def bar_progress(which: tqdm) -> Any:
            def progress(done: int, total: int) -> None:
                if which.total != total:
                    which.total = total
                which.update(done - which.n)

            return progress

        try:
            result = replay(
                inputs.records,
                inputs.techs,
                inputs.policy,
                holdout=options["holdout"],
                categories=inputs.categories,
                companies=inputs.companies,
                strategy=options["strategy"],
                half_life_days=options["half_life"],
                prior_strength=options["prior_strength"],
                learned_patterns=not options["no_learned_patterns"],
                fit_weights=not options["no_fit"],
                progress=bar_progress(bar),
                fit_progress=bar_progress(fit_bar),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            fit_bar.close()
            bar.close()
        if not quiet:
            self.stdout.write(format_table(result))
        if options["json_file"]:
            path = Path(options["json_file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result.to_json(), indent=2) + "\n")
            if not quiet:
                self.stdout.write(f"Wrote {path}")


def format_table(result: ReplayResult) -> str:
    rows = [("engine (real ranking)", result.topk)]
    rows += [(name.replace("_", " "), v) for name, v in result.baselines.items()]
    for name in ("recent_category_resolver", "learned_history_ranker"):
        if result.extra.get(name):
            rows.append((f"(diagnostic) {name.replace('_', ' ')}", result.extra[name]))
    width = max(len(name) for name, _ in rows)
    lines = [
        f"Replayed {result.tickets} test tickets ({result.train_tickets} before them), "
        f"{result.technicians} technicians ranked each time, in {result.seconds:.1f} s",
        "",
        f"{'who resolved it':<{width}}  {'top-1':>6} {'top-3':>6} {'top-5':>6}",
    ]
    for name, v in rows:
        lines.append(f"{name:<{width}}  {v['1']:>6.1%} {v['3']:>6.1%} {v['5']:>6.1%}")
    assignable = result.extra.get("assignable") or {}
    if assignable.get("tickets"):
        share = assignable["tickets"] / result.tickets if result.tickets else 0.0
        lines += [
            "",
            f"where the resolver was assignable under today's policy (on shift, allowed by the rules, "
            f"meeting the skill threshold): {assignable['tickets']} tickets ({share:.0%})",
        ]
        for name in ("engine", "category_most_frequent"):
            v = assignable[name]
            lines.append(f"{name.replace('_', ' '):<{width}}  {v['1']:>6.1%} {v['3']:>6.1%} {v['5']:>6.1%}")
    if result.category_accuracy is not None:
        acc = result.category_accuracy
        lines += ["", f"category model: top-1 {acc['1']:.1%}, top-3 {acc['3']:.1%}"]
    else:
        lines += ["", "category model: not evaluated (history has no text)"]
    weights = result.extra.get("learned_history_weights")
    if weights:
        lines.append(
            "learned history ranker weights: " + ", ".join(f"{k} {v:+.2f}" for k, v in weights.items())
        )
    fitted = result.extra.get("engine_affinity_weights")
    lines.append(
        "engine history affinity weights (fitted on the training period): "
        + (", ".join(f"{k} {v:+.2f}" for k, v in fitted.items()) if fitted else "none (too little history)")
    )
    lines += weight_fit_lines(result.extra.get("weight_fit"))
    errors = result.extra.get("errors") or {}
    if errors:
        lines.append(
            "engine could not place: " + ", ".join(f"{code} x{n}" for code, n in sorted(errors.items()))
        )
    return "\n".join(lines)


def weight_fit_lines(fit: dict[str, Any] | None) -> list[str]:
    """What the weight fit on the training period chose, and the replay of its window behind it."""
    if not fit:
        return ["weights: as set (no fit: --no-fit, another strategy than hybrid, or too little history)"]

    def setting(entry: dict[str, Any]) -> str:
        weights = ", ".join(f"{k} {v:.2f}" for k, v in entry["weights"].items())
        topk = " / ".join(f"{entry['topk'][k]:.1%}" for k in ("1", "3", "5"))
        return f"{weights}; affinity share {entry['affinity_blend']:.2f} -> top-1/3/5 {topk}"

    base = fit["baseline"]["category_most_frequent"]
    lines = [
        f"weight fit on the training period's latest {fit['tickets']} tickets "
        f"({fit['train_tickets']} before them, {fit['candidates']} settings tried, {fit['seconds']:.1f} s):",
        f"  as set:        {setting(fit['current'])}",
        f"  fitted:        {setting(fit['fitted'])}" + ("" if fit["changed"] else " (no change: no gain)"),
        f"  without floors: {setting(fit['unconstrained'])}",
        "  category most frequent there: " + " / ".join(f"{base[k]:.1%}" for k in ("1", "3", "5")),
    ]
    if fit["at_floor"]:
        lines.append(f"  held at the floor: {', '.join(fit['at_floor'])} (floors {fit['floors']})")
    return lines
