"""Synthetic dispatch history for screenshots and demos: closed tickets with decisions
(approved, overridden, auto-assigned, shadow) and their outbox rows, spread over `days`."""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from dispatch.models import Assignment, Decision, DecisionStatus, DispatchSettings, OutboxState, Ticket
from skills.models import Category, Technician

# Per category: how often dispatchers keep the suggestion (drives the auto-assign advice).
AGREEMENT = {0: 0.97, 1: 0.95, 2: 0.6, 3: 0.85}


def _opened(rng: random.Random, day: datetime, tz: zoneinfo.ZoneInfo, bh: dict[str, Any]) -> datetime:
    """Most tickets arrive in the desk's business hours, as on a real desk (the demo's clock turns
    them with its rota, so they are not always 08:00-18:00 on weekdays)."""
    local = day.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = (int(t[:2]) + int(t[3:5]) / 60 for t in (bh.get("start", "08:00"), bh.get("end", "17:30")))
    open_day = local.weekday() in bh.get("days", [0, 1, 2, 3, 4])
    hours = rng.uniform(start, end) if open_day and rng.random() < 0.85 else rng.uniform(0, 24)
    return local + timedelta(hours=hours)


def seed_history(*, days: int = 30, per_day: int = 9, user: Any = None, seed: int = 7) -> int:
    rng = random.Random(seed)
    techs = list(Technician.objects.filter(active=True))
    categories = list(Category.objects.order_by("name"))
    if not techs or not categories:
        return 0
    now = timezone.now()
    bh = DispatchSettings.load().business_hours or {}
    tz = zoneinfo.ZoneInfo(bh.get("timezone", "UTC"))
    weights = [rng.uniform(0.4, 2.0) for _ in techs]
    made = 0
    for day in range(days, 0, -1):
        weekend = (now - timedelta(days=day)).astimezone(tz).weekday() not in bh.get("days", [0, 1, 2, 3, 4])
        for _ in range(rng.randint(per_day - 3, per_day + 3) // (4 if weekend else 1)):
            cat_i = rng.randrange(len(categories))
            category = categories[cat_i]
            created = _opened(rng, now - timedelta(days=day), tz, bh)
            recommended = rng.choices(techs, weights)[0]
            agree = rng.random() < AGREEMENT[cat_i % 4]
            assigned = recommended if agree else rng.choice([t for t in techs if t != recommended] or techs)
            status = rng.choices(
                [
                    DecisionStatus.APPROVED if agree else DecisionStatus.OVERRIDDEN,
                    DecisionStatus.AUTO_ASSIGNED,
                    DecisionStatus.SHADOW,
                ],
                [0.8, 0.12 if agree else 0.0, 0.08],
            )[0]
            ticket = Ticket.objects.create(
                external_id=f"H{made + 1:05d}", subject=f"Historic {category.name.lower()} request", category=category,
                priority=rng.choice(["Low", "Medium", "Medium", "High", "Critical"]), created_at=created,
                sla_due=created + timedelta(hours=8), closed=True, assigned_to=assigned, status="Closed",
                estimated_hours=round(rng.uniform(0.5, 4), 1),
            )  # fmt: skip
            decided = created + timedelta(minutes=rng.expovariate(1 / 18))
            decision = Decision.objects.create(
                ticket=ticket, ticket_external_id=ticket.external_id, status=status, mode="suggest", strategy="hybrid",
                initiated_by="history", recommended=recommended, assigned=None if status == DecisionStatus.SHADOW else assigned,
                decided_by=user if status in (DecisionStatus.APPROVED, DecisionStatus.OVERRIDDEN) else None,
                decided_at=None if status == DecisionStatus.SHADOW else decided, confidence=round(rng.uniform(0.45, 0.95), 2),
                top_score=round(rng.uniform(55, 92), 1), algorithm_version="history", as_of=created,
                inputs={"ticket": {"category": category.name}},
                override_reason="Customer asked for this technician" if status == DecisionStatus.OVERRIDDEN else "",
            )  # fmt: skip
            Decision.objects.filter(pk=decision.pk).update(created_at=created)
            if status != DecisionStatus.SHADOW:
                a = Assignment.objects.create(
                    decision=decision,
                    ticket=ticket,
                    technician=assigned,
                    state=OutboxState.PUSHED,
                    pushed_at=decided,
                )
                Assignment.objects.filter(pk=a.pk).update(created_at=decided)
            made += 1
    return made
