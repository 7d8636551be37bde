"""The text model: predicts a ticket's category from subject + description.

TF-IDF over word 1-2-grams and character 3-5-grams, with a linear model; probabilities
give the confidence. The fitted pipeline is stored with joblib under MODEL_DIR and named
by the ModelVersion row that decisions report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

MIN_EXAMPLES_PER_CLASS = 2


class ModelNotTrained(Exception):
    pass


@dataclass(frozen=True)
class Prediction:
    category: str
    confidence: float
    alternatives: list[tuple[str, float]]  # top 5, descending, including the first


_NOISE = re.compile(r"\S+@\S+|https?://\S+|\b\d{5,}\b")


def ticket_text(subject: str | None, description: str | None) -> str:
    """Subject counts twice: it is short and carries most of the signal."""
    subject = (subject or "").strip()
    description = (description or "").strip()
    return _NOISE.sub(" ", f"{subject} \n {subject} \n {description}").lower()


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=200_000, sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, max_features=300_000, sublinear_tf=True),
            ),
        ]
    )
    model = LogisticRegression(C=10.0, max_iter=2000, class_weight=None)
    return Pipeline([("features", features), ("model", model)])


def fit(texts: list[str], labels: list[str]) -> Pipeline | None:
    """Fit on the labelled texts; None when there are fewer than two usable classes."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_EXAMPLES_PER_CLASS]
    if len({labels[i] for i in keep}) < 2:
        return None
    pipeline = build_pipeline()
    pipeline.fit([texts[i] for i in keep], [labels[i] for i in keep])
    return pipeline


def predict(pipeline: Any, subject: str | None, description: str | None, top: int = 5) -> Prediction:
    proba = pipeline.predict_proba([ticket_text(subject, description)])[0]
    classes = pipeline.classes_
    order = np.argsort(-proba)[:top]
    alternatives = [(str(classes[i]), float(proba[i])) for i in order]
    return Prediction(category=alternatives[0][0], confidence=alternatives[0][1], alternatives=alternatives)


def save(pipeline: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, path)
    _load.cache_clear()


@lru_cache(maxsize=2)
def _load(path: str, mtime: float) -> Any:
    return joblib.load(path)


def active_pipeline() -> Any:
    from dispatch.models import ModelVersion

    version = ModelVersion.objects.filter(active=True).exclude(classifier_path="").order_by("-created_at").first()
    if version is None:
        raise ModelNotTrained("no trained category model")
    path = Path(version.classifier_path)
    if not path.exists():
        raise ModelNotTrained(f"model file {path} is missing")
    return _load(str(path), path.stat().st_mtime)


def classify(subject: str | None, description: str | None) -> Prediction:
    return predict(active_pipeline(), subject, description)
