"""Category model vs baselines on the ATA tickets (text -> assignment group), held out.

    python bench/replay_ata.py [--csv PATH] [--folds 5] [--split random|ordered] [--skip-v1]

One 80/20 split: stratified at random (seed 42), or --split ordered: the first 80% of the file
for training and the last 20% for testing (the file has no dates; its order is the closest
thing to time). Everything that is chosen is chosen by cross-validation
on the 80% only: the baseline's C and class weighting (TF-IDF word 1-2-grams + LinearSVC,
grid below), and, during development, the shipped model's design (docs/quality.md). The 20%
is scored once per model. Reports accuracy overall and on tickets whose group is not GRP_0
(47% of the data, see the data README), top-3, macro-F1, and a paired bootstrap interval for
the shipped model's gain over the tuned baseline.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.pipeline import FeatureUnion, Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from dispatch.learning.classifier import build_pipeline, ticket_text, top_categories  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "ata-tickets" / "tickets.csv"  # ../shared beside the checkout
MAJORITY = "GRP_0"
BASELINE_GRID = [(c, w) for c in (0.1, 0.3, 1.0, 3.0, 10.0) for w in (None, "balanced")]


def load(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [ticket_text(r["Short description"], r["Description"]) for r in rows], np.array(
        [r["Assignment group"] for r in rows]
    )


def baseline(c: float, weight: str | None) -> Pipeline:
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("svm", LinearSVC(C=c, class_weight=weight, max_iter=10_000, random_state=0)),
        ]
    )


def v1_pipeline() -> Pipeline:
    """The previous production model (word + char TF-IDF, LogisticRegression C=10), for reference."""
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), max_features=200_000, sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), min_df=2, max_features=300_000, sublinear_tf=True
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(C=10.0, max_iter=2000))])


def tune_baseline(texts: list[str], y: np.ndarray, folds: int) -> tuple[tuple[float, str | None], float]:
    strat = np.array([v if (y == v).sum() >= folds else "rare" for v in y])
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, strat))
    best, best_acc = BASELINE_GRID[0], -1.0
    for c, weight in BASELINE_GRID:
        hits = 0
        for a, b in splits:
            model = baseline(c, weight).fit([texts[i] for i in a], y[a])
            hits += int((model.predict([texts[i] for i in b]) == y[b]).sum())
        acc = hits / len(y)
        print(f"  cv baseline C={c:<5} class_weight={weight!s:<9} accuracy {acc:.4f}", flush=True)
        if acc > best_acc:
            best, best_acc = (c, weight), acc
    return best, best_acc


def scores(y: np.ndarray, top: list[list[str]]) -> dict[str, float]:
    pred = np.array([t[0] for t in top])
    rest = y != MAJORITY
    return {
        "accuracy": float((pred == y).mean()),
        "without_GRP_0": float((pred[rest] == y[rest]).mean()),
        "top3": float(np.mean([t in row[:3] for t, row in zip(y, top, strict=True)])),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
    }


def paired_bootstrap(a: np.ndarray, b: np.ndarray, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% interval of mean(a) - mean(b) over resampled test tickets."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(n, len(a)))
    diffs = a[idx].mean(axis=1) - b[idx].mean(axis=1)
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV,
                        help="the data set (default: ../shared/data/… beside the checkout, %(default)s)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--split", choices=("random", "ordered"), default="random")
    parser.add_argument("--skip-v1", action="store_true", help="Skip the slow previous model")
    args = parser.parse_args()
    if not args.csv.is_file():
        parser.error(f"{args.csv} not found: give --csv PATH")
    texts, y = load(args.csv)
    strat = np.array([v if (y == v).sum() >= 2 else "rare" for v in y])
    if args.split == "ordered":
        cut = int(len(y) * 0.8)
        train, test = np.arange(cut), np.arange(cut, len(y))
    else:
        train, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=42, stratify=strat)
    tr_texts, te_texts = [texts[i] for i in train], [texts[i] for i in test]
    ytr, yte = y[train], y[test]
    print(
        f"ATA: {len(y)} tickets, {len(set(y))} groups; {args.split} split: train {len(train)}, test {len(test)}"
    )
    (c, weight), cv_acc = tune_baseline(tr_texts, ytr, args.folds)
    print(f"  chosen baseline: C={c}, class_weight={weight} (cv accuracy {cv_acc:.4f})")

    results: dict[str, dict[str, float]] = {}
    hits: dict[str, np.ndarray] = {}
    majority = [[MAJORITY]] * len(yte)
    results["majority class (GRP_0)"] = scores(yte, majority)
    models = [(f"tuned TF-IDF + LinearSVC (C={c}, {weight or 'unweighted'})", baseline(c, weight))]
    if not args.skip_v1:
        models.append(("v1: word+char TF-IDF + LogReg C=10", v1_pipeline()))
    models.append(("v2 (shipped): word+char TF-IDF, SVM + logistic", build_pipeline()))
    for name, model in models:
        started = time.perf_counter()
        model.fit(tr_texts, ytr)
        fit_s = time.perf_counter() - started
        top = top_categories(model, te_texts, 3)
        results[name] = scores(yte, top) | {"fit_seconds": fit_s}
        hits[name] = np.array([row[0] == t for row, t in zip(top, yte, strict=True)], dtype=float)

    names = list(results)
    width = max(len(n) for n in names)
    print(f"\n{'model':<{width}}  {'acc':>6} {'no GRP_0':>8} {'top-3':>6} {'macroF1':>7} {'fit s':>6}")
    for name in names:
        r = results[name]
        fit = f"{r['fit_seconds']:.1f}" if "fit_seconds" in r else ""
        print(
            f"{name:<{width}}  {r['accuracy']:>6.1%} {r['without_GRP_0']:>8.1%} {r['top3']:>6.1%} {r['macro_f1']:>7.3f} {fit:>6}"
        )
    shipped, base = names[-1], names[1]
    lo, hi = paired_bootstrap(hits[shipped], hits[base])
    print(
        f"\nshipped - tuned baseline accuracy: {results[shipped]['accuracy'] - results[base]['accuracy']:+.1%} "
        f"(95% paired bootstrap {lo:+.1%} .. {hi:+.1%})"
    )


if __name__ == "__main__":
    main()
