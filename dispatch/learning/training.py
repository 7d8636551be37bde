"""`train_models`: learn experience tables and the category model from HistoryTicket.

Idempotent: the same history gives the same experience numbers and the same classifier (a
new ModelVersion row each run is fine). Experience is computed as of the latest resolution
in history (or now, if that is in the future), not the wall clock, so that a re-run gives the
same numbers and an imported history that stopped a while ago is not decayed to nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dispatch.engine.affinity import AFFINITY_FEATURES
from dispatch.models import LearnedWorkPattern, ModelVersion, TechnicianExperience
from skills.models import Technician

from . import classifier
from .affinity import fit_engine_affinity
from .db import history_records
from .experience import (
    HALF_LIFE_DAYS,
    PRIOR_STRENGTH,
    HistoryRecord,
    SliceStats,
    compute_experience,
)
from .weightreview import apply_if_opted_in
from .workpattern import LearnedPattern, learn_patterns

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
ALGORITHM = "sb2"  # bump when the learning changes meaningfully
HOLDOUT = 0.2
CHECK_TEXTS = 6_000  # the held-out check's model learns from at most this many (the latest before the held-out)
KEEP_MODEL_FILES = 3  # classifier files of older versions are deleted beyond this many


def _noop(stage: str, done: int, total: int) -> None:
    return None


def history_digest(records: list[HistoryRecord]) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(f"{r.ticket_id}|{r.tech}|{r.category}|{r.opened_at.isoformat()}|{r.resolved_at}\n".encode())
    return h.hexdigest()


def labelled_texts(records: list[HistoryRecord]) -> tuple[list[str], list[str]]:
    """(texts, categories) of the tickets that have both, in history order."""
    pairs = [
        (classifier.ticket_text(r.subject, r.description), r.category)
        for r in records
        if r.category and ((r.subject or "").strip() or (r.description or "").strip())
    ]
    return [t for t, _ in pairs], [c for _, c in pairs]  # type: ignore[misc]


def classifier_holdout(texts: list[str], labels: list[str]) -> dict[str, Any]:
    """A quick honest check: fit on the earlier 80% of labelled history (its latest CHECK_TEXTS),
    score the latest 20%."""
    cut = int(len(texts) * (1 - HOLDOUT))
    test_labels = labels[cut:]
    if cut < 2 or not test_labels:
        return {}
    model = classifier.fit(texts[:cut], labels[:cut], max_texts=CHECK_TEXTS)
    if model is None:
        return {}
    ranked = classifier.top_categories(model, texts[cut:], 3)
    majority = Counter(labels[:cut]).most_common(1)[0][0]
    n = len(test_labels)
    return {
        "holdout_tickets": n,
        "holdout_trained_on": min(cut, CHECK_TEXTS),
        "holdout_top1": round(sum(r[0] == y for r, y in zip(ranked, test_labels, strict=True)) / n, 4),
        "holdout_top3": round(sum(y in r for r, y in zip(ranked, test_labels, strict=True)) / n, 4),
        "holdout_majority": round(sum(y == majority for y in test_labels) / n, 4),
    }


def affinity_metrics(
    records: list[HistoryRecord], half_life_days: float, prior_strength: float, progress: Progress
) -> dict[str, Any]:
    """The engine's history-affinity weights, fitted on the latest resolved tickets, each seen
    as of its opening (what the replay does on its training period)."""
    ordered = sorted(records, key=lambda r: (r.opened_at, r.ticket_id))
    roster = sorted({r.tech for r in ordered if r.tech})  # type: ignore[type-var]
    weights = fit_engine_affinity(
        ordered,
        roster,
        half_life_days=half_life_days,
        progress=lambda done, total: progress("affinity", done, total),
    )
    if not weights:
        return {}
    return {"features": list(AFFINITY_FEATURES), "weights": list(weights)}


def weight_fit_metrics(
    records: list[HistoryRecord], half_life_days: float, prior_strength: float, progress: Progress
) -> dict[str, Any]:
    """The desk's composite weights and affinity share fitted on its own history
    (dispatch.learning.weightfit): a proposal stored with the model version; {} with too little
    history or another strategy than hybrid."""
    from .db import replay_inputs
    from .weightfit import fit_weights

    inputs = replay_inputs(timezone.now(), records=records)
    if inputs.policy.strategy != "hybrid":
        return {}
    fit = fit_weights(
        inputs.records,
        inputs.techs,
        inputs.policy,
        categories=inputs.categories,
        companies=inputs.companies,
        half_life_days=half_life_days,
        prior_strength=prior_strength,
        progress=lambda done, total: progress("weight fit", done, total),
    )
    return fit.to_json() if fit is not None else {}


def _version_name(digest: str) -> str:
    base = f"{ALGORITHM}-{timezone.now():%Y%m%d-%H%M%S}-{digest[:8]}"
    name, n = base, 1
    while ModelVersion.objects.filter(version=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def train_models(
    progress: Progress | None = None,
    *,
    half_life_days: float = HALF_LIFE_DAYS,
    prior_strength: float = PRIOR_STRENGTH,
    fit_weights: bool = True,
) -> ModelVersion:
    """Learn from all history; replace the experience tables; store and activate a new version.
    `fit_weights`: then fit the desk's weights (fit_and_store) in the same call; the Celery task
    and bench.scale run that step apart, after the version is stored."""
    progress = progress or _noop
    records = history_records(lambda n: progress("history", n, n))
    total = len(records)
    progress("history", total, total)
    resolved = [r.resolved_at for r in records if r.resolved_at is not None and r.tech]
    now = timezone.now()
    as_of = min(now, max(resolved)) if resolved else now
    stats = compute_experience(records, as_of, half_life_days=half_life_days, prior_strength=prior_strength)
    progress("experience", 1, 1)
    digest = history_digest(records)
    zones = dict(Technician.objects.values_list("external_id", "timezone"))
    patterns = learn_patterns(records, lambda tech: zones.get(tech, "UTC"))
    progress("capacity and hours", 1, 1)

    texts, labels = labelled_texts(records)
    metrics: dict[str, Any] = {
        "history_count": total,
        "technicians": len({r.tech for r in records if r.tech}),
        "categories": len({r.category for r in records if r.category}),
        "experience_rows": len(stats),
        "as_of": as_of.isoformat(),
        "half_life_days": half_life_days,
        "prior_strength": prior_strength,
        "history_digest": digest,
        "classifier": {"labelled": len(texts), "classes": len(set(labels))},
        "work_patterns": {
            "learned_capacity": sum(1 for p in patterns.values() if p.capacity is not None),
            "learned_hours": sum(1 for p in patterns.values() if p.hours is not None),
        },
    }
    metrics["affinity"] = affinity_metrics(records, half_life_days, prior_strength, progress)
    pipeline = None
    if len(set(labels)) >= 2:
        metrics["classifier"].update(classifier_holdout(texts, labels))
        progress("classifier check", 1, 1)
        pipeline = classifier.fit(texts, labels)
        metrics["classifier"]["trained_on"] = min(len(texts), classifier.MAX_TEXTS)
        progress("classifier", 1, 1)

    version = _version_name(digest)
    path: Path | None = None
    if pipeline is not None:
        path = Path(settings.MODEL_DIR) / f"{version}.joblib"
        classifier.save(pipeline, path)
    try:
        model_version = _store(version, stats, path, metrics, total, patterns)
    except Exception:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    _prune_model_files(KEEP_MODEL_FILES)
    progress("store", 1, 1)
    log.info("trained %s on %d history tickets (%d experience rows)", version, total, len(stats))
    if fit_weights:
        fit_and_store(model_version, records, progress, half_life_days=half_life_days, prior_strength=prior_strength)
    return model_version


def fit_and_store(
    version: ModelVersion,
    records: list[HistoryRecord] | None = None,
    progress: Progress | None = None,
    *,
    half_life_days: float | None = None,
    prior_strength: float | None = None,
) -> dict[str, Any]:
    """The step after training: fit the desk's weights on its history (weight_fit_metrics), store
    the proposal in the version's metrics, and apply it where the desk opted in. The proposal
    moves no ranking until applied, so it is written without announcing a change of facts."""
    progress = progress or _noop
    metrics = dict(version.metrics or {})
    if records is None:
        records = history_records(lambda n: progress("history", n, n))
    fit = weight_fit_metrics(
        records,
        half_life_days if half_life_days is not None else float(metrics.get("half_life_days", HALF_LIFE_DAYS)),
        prior_strength if prior_strength is not None else float(metrics.get("prior_strength", PRIOR_STRENGTH)),
        progress,
    )
    if not fit:
        return {}
    metrics["weight_fit"] = fit
    ModelVersion.objects.filter(pk=version.pk).update(metrics=metrics)
    version.metrics = metrics
    if version.active and apply_if_opted_in(metrics):
        log.info("applied the fitted weights of %s (the desk opted in)", version.version)
    return fit


@transaction.atomic
def _store(
    version: str,
    stats: list[SliceStats],
    path: Path | None,
    metrics: dict[str, Any],
    total: int,
    patterns: dict[str, LearnedPattern] | None = None,
) -> ModelVersion:
    # Two runs at once (nightly + after an import) take turns here: the second waits for the
    # first to commit, then replaces its rows instead of colliding with them.
    list(ModelVersion.objects.select_for_update().filter(active=True).values_list("pk", flat=True))
    tech_pk = dict(Technician.objects.values_list("external_id", "pk"))
    TechnicianExperience.objects.all().delete()
    rows = [
        (
            tech_pk[s.tech],
            s.scope,
            s.key,
            round(s.resolved, 6),
            s.resolved_raw,
            _r(s.avg_resolution_hours),
            _r(s.reopen_rate),
            _r(s.csat),
            _r(s.on_time_rate),
            s.resolved_this_week,
            version,
        )
        for s in stats
        if s.tech in tech_pk
    ]
    _insert_experience(rows)
    _store_patterns(version, tech_pk, patterns or {})
    ModelVersion.objects.filter(active=True).update(active=False)
    # Creating the active version announces the change of facts (people: everyone's rebuilt).
    return ModelVersion.objects.create(
        version=version,
        history_count=total,
        classifier_path=str(path) if path is not None else "",
        metrics=metrics,
        active=True,
    )


EXPERIENCE_COLUMNS = (
    "technician_id",
    "scope",
    "key",
    "resolved",
    "resolved_raw",
    "avg_resolution_hours",
    "reopen_rate",
    "csat",
    "on_time_rate",
    "resolved_this_week",
    "model_version",
)


def _insert_experience(rows: list[tuple[Any, ...]]) -> None:
    """The experience rows, by COPY on PostgreSQL (tens of thousands of rows: a second, where
    bulk_create took ten), by bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        TechnicianExperience.objects.bulk_create(
            [TechnicianExperience(**dict(zip(EXPERIENCE_COLUMNS, row, strict=True))) for row in rows],
            batch_size=1000,
        )
        return
    table = TechnicianExperience._meta.db_table
    with connection.cursor() as cursor, cursor.copy(
        f'COPY "{table}" ({", ".join(EXPERIENCE_COLUMNS)}) FROM STDIN'
    ) as copy:
        for row in rows:
            copy.write_row(row)


def _store_patterns(version: str, tech_pk: dict[str, int], patterns: dict[str, LearnedPattern]) -> None:
    """Replace every technician's learned capacity and hours; what managers confirmed or set
    stays (a technician no longer in history keeps their row, with nothing learned)."""
    existing = {p.technician_id: p for p in LearnedWorkPattern.objects.all()}
    create: list[LearnedWorkPattern] = []
    for external_id, pk in tech_pk.items():
        learned = patterns.get(external_id)
        row = existing.get(pk)
        if row is None:
            if learned is None:
                continue
            row = LearnedWorkPattern(technician_id=pk)
            create.append(row)
        row.capacity = learned.capacity if learned else None
        row.capacity_samples = learned.capacity_samples if learned else 0
        row.capacity_median = learned.capacity_median if learned else None
        row.hours = learned.hours.to_json() if learned and learned.hours else None
        row.model_version = version
    LearnedWorkPattern.objects.bulk_update(
        list(existing.values()),
        ["capacity", "capacity_samples", "capacity_median", "hours", "model_version"],
        batch_size=500,
    )
    LearnedWorkPattern.objects.bulk_create(create, batch_size=500)


def _prune_model_files(keep: int) -> None:
    """Delete the classifier files of all but the `keep` newest versions (the rows stay, as
    the record of what decisions were made with; their classifier_path is cleared)."""
    old = ModelVersion.objects.exclude(classifier_path="").order_by("-created_at", "-pk")[keep:]
    for version in old:
        if not version.active:
            Path(version.classifier_path).unlink(missing_ok=True)
            ModelVersion.objects.filter(pk=version.pk).update(classifier_path="")


def _r(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None
