"""python manage.py train_models  (contracts/evaluation.md)"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from dispatch.learning.experience import HALF_LIFE_DAYS, PRIOR_STRENGTH


class Command(BaseCommand):
    help = (
        "Learn from the imported history: experience per technician and category, board and company, "
        "and the text model that predicts a ticket's category. Idempotent; stores a new active model version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--half-life", type=float, default=HALF_LIFE_DAYS, help="Experience half-life in days"
        )
        parser.add_argument(
            "--prior-strength", type=float, default=PRIOR_STRENGTH, help="Smoothing pseudo-tickets"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from dispatch.learning.training import train_models

        bars: dict[str, tqdm] = {}
        quiet = options["verbosity"] == 0

        def progress(stage: str, done: int, total: int) -> None:
            if quiet:
                return
            bar = bars.get(stage) or bars.setdefault(
                stage, tqdm(desc=stage, total=total, file=sys.stderr, leave=True)
            )
            bar.total = max(bar.total or 0, total)
            bar.update(done - bar.n)

        try:
            version = train_models(
                progress, half_life_days=options["half_life"], prior_strength=options["prior_strength"]
            )
        finally:
            for bar in bars.values():
                bar.close()
        m = version.metrics
        clf = m.get("classifier", {})
        line = (
            f"Trained {version.version}: {m['history_count']} history tickets, {m['technicians']} technicians, "
            f"{m['categories']} categories, {m['experience_rows']} experience rows"
        )
        if version.classifier_path:
            line += f"; category model on {clf.get('labelled', 0)} tickets"
            if "holdout_top1" in clf:
                line += f" (held-out latest 20%: top-1 {clf['holdout_top1']:.1%}, majority {clf['holdout_majority']:.1%})"
        else:
            line += "; no category model (needs text in at least two categories)"
        patterns = m.get("work_patterns")
        if patterns:
            line += (
                f"; learned capacity for {patterns['learned_capacity']} technicians, "
                f"working hours for {patterns['learned_hours']} (review them on the Learned page)"
            )
        fit = m.get("weight_fit")
        if fit:
            line += (
                "; weight fit: a change proposed, review it on the Learned page"
                if fit.get("changed")
                else "; weight fit: the current weights stand"
            )
        self.stdout.write(self.style.SUCCESS(line))
