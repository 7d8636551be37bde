"""train_models learns capacity and hours; facts and the replay rank with them; the fast
affinity features and category fit give what the slower forms gave."""

from datetime import time, timedelta
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from dispatch.engine.types import TechFacts
from dispatch.facts import build_tech_facts
from dispatch.learning import classifier
from dispatch.learning.affinity import AffinityCounts, engine_affinity_rows
from dispatch.learning.db import history_records
from dispatch.learning.experience import ExperienceLearner
from dispatch.learning.replay import with_learned_patterns
from dispatch.learning.training import train_models
from dispatch.models import DispatchSettings, LearnedWorkPattern
from skills.models import Shift, Technician


def facts_of(tech: str) -> TechFacts:
    return next(t for t in build_tech_facts(now=timezone.now(), excluded_statuses=[]) if t.id == tech)


def test_train_models_stores_learned_capacity_and_hours(desk: Any) -> None:
    version = train_models()
    emma = LearnedWorkPattern.objects.get(technician__external_id="tech-emma")
    assert (emma.capacity, emma.capacity_samples) == (1, 15)  # one 2-hour ticket every 9 hours
    assert emma.hours is None  # her tickets come round the clock: no working hours to learn
    assert emma.model_version == version.version
    assert version.metrics["work_patterns"] == {"learned_capacity": 3, "learned_hours": 0}
    assert not LearnedWorkPattern.objects.filter(technician__external_id="tech-idle").exists()


def test_retraining_keeps_what_a_manager_set(desk: Any) -> None:
    train_models()
    LearnedWorkPattern.objects.filter(technician__external_id="tech-emma").update(capacity_confirmed=7)
    train_models()
    assert LearnedWorkPattern.objects.get(technician__external_id="tech-emma").capacity_confirmed == 7


def test_facts_rank_with_a_learned_capacity_above_the_desk_default(desk: Any) -> None:
    train_models()
    LearnedWorkPattern.objects.filter(technician__external_id="tech-emma").update(capacity=14)
    assert facts_of("tech-emma").max_active_tickets == 14


def test_facts_keep_the_default_for_a_learned_capacity_below_it_until_confirmed(desk: Any) -> None:
    train_models()
    assert facts_of("tech-emma").max_active_tickets is None  # learned 1: shown, not used
    LearnedWorkPattern.objects.filter(technician__external_id="tech-emma").update(capacity_confirmed=1)
    assert facts_of("tech-emma").max_active_tickets == 1


def test_a_stated_capacity_wins_over_a_learned_one(desk: Any) -> None:
    train_models()
    LearnedWorkPattern.objects.filter(technician__external_id="tech-emma").update(capacity=14)
    Technician.objects.filter(external_id="tech-emma").update(max_active_tickets=3)
    assert facts_of("tech-emma").max_active_tickets == 3


def test_raising_the_desk_default_above_a_learned_capacity_stops_using_it(desk: Any) -> None:
    train_models()
    LearnedWorkPattern.objects.filter(technician__external_id="tech-emma").update(capacity=14)
    settings = DispatchSettings.load()
    settings.max_tickets_per_technician = 20
    settings.save()
    assert facts_of("tech-emma").max_active_tickets is None


HOURS = {"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "17:00", "share": 0.9, "events": 40}


def test_confirmed_hours_are_the_schedule_only_of_a_technician_without_one(desk: Any) -> None:
    train_models()
    learned = LearnedWorkPattern.objects.filter(technician__external_id="tech-emma")
    learned.update(hours=HOURS, hours_confirmed=HOURS)
    (shift,) = facts_of("tech-emma").schedule
    assert (shift.days, shift.start, shift.end) == ((0, 1, 2, 3, 4), time(8), time(17))
    emma = Technician.objects.get(external_id="tech-emma")
    Shift.objects.create(technician=emma, weekday=0, start=time(6), end=time(7))
    assert [(s.days, s.start) for s in facts_of("tech-emma").schedule] == [((0,), time(6))]


def test_unconfirmed_learned_hours_leave_the_technician_available_at_all_hours(desk: Any) -> None:
    train_models()
    LearnedWorkPattern.objects.filter(technician__external_id="tech-emma").update(hours=HOURS)
    assert facts_of("tech-emma").schedule == ()


def test_the_replay_gives_a_resolver_from_history_their_learned_capacity() -> None:
    from datetime import UTC, datetime

    from dispatch.learning.experience import HistoryRecord

    t0 = datetime(2025, 3, 3, tzinfo=UTC)
    train = [
        HistoryRecord(
            tech="bo", opened_at=t0 + timedelta(hours=i), resolved_at=t0 + timedelta(days=5, hours=i)
        )
        for i in range(40)
    ]
    (bo,) = with_learned_patterns([TechFacts(id="bo", name="bo")], train, default=10)
    assert bo.max_active_tickets is not None and bo.max_active_tickets > 10


@pytest.mark.django_db
def test_affinity_counts_give_the_learners_features(desk: Any) -> None:
    records = history_records(text=False)
    roster = sorted({r.tech for r in records if r.tech} | {"tech-idle"})
    index = {t: i for i, t in enumerate(roster)}
    counts = AffinityCounts(records, index, 90.0)
    learner = ExperienceLearner()
    learner.extend(records)
    for r in records[5:]:
        learner.advance(r.opened_at)
        assert counts.rows(r) == pytest.approx(engine_affinity_rows(learner, index, r), abs=1e-9)


def test_repeated_tickets_are_fitted_once_with_their_count() -> None:
    texts = ["printer offline"] * 3 + ["vpn drops"] * 2 + ["printer jam"]
    labels = ["print"] * 3 + ["net"] * 2 + ["print"]
    X = classifier.build_pipeline().named_steps["features"].fit_transform(texts)
    rows, weights = classifier._distinct_rows(X, np.asarray(labels))
    assert rows.tolist() == [0, 3, 5] and weights.tolist() == [3.0, 2.0, 1.0]


def test_the_command_reports_what_was_learned(desk: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("train_models", verbosity=0, stdout=out)
    assert "learned capacity for 3 technicians, working hours for 0" in out.getvalue()
