"""What the weight fit (dispatch.learning.weightfit) proposes for the desk, and applying it: the
Learned page's "weights" section (a selector and one service)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.engine.types import FACTORS
from dispatch.models import DispatchSettings, ModelVersion

from .review import ReviewError

KS = ("1", "3", "5")


@dataclass
class WeightRow:
    factor: str
    current: float
    fitted: float
    floor: float | None
    binding: bool = False  # the fit would go lower without the floor

    @property
    def change(self) -> float:
        return round(self.fitted - self.current, 4)

    @property
    def change_label(self) -> str:
        return "" if abs(self.change) < 0.005 else f"{self.change:+.2f}"


@dataclass
class WeightProposal:
    version: str
    fit: dict[str, Any]
    settings: DispatchSettings

    @property
    def rows(self) -> list[WeightRow]:
        fitted = self.fit["fitted"]["weights"]
        total = sum(max(0.0, float(self.settings.weights.get(f, 0.0) or 0.0)) for f in FACTORS) or 1.0
        floors = self.fit.get("floors") or {}
        return [
            WeightRow(
                factor=f,
                current=round(max(0.0, float(self.settings.weights.get(f, 0.0) or 0.0)) / total, 4),
                fitted=float(fitted[f]),
                floor=floors.get(f),
                binding=f in (self.fit.get("at_floor") or ()),
            )
            for f in FACTORS
        ]

    @property
    def current_blend(self) -> float:
        return self.settings.affinity_blend

    @property
    def fitted_blend(self) -> float:
        return float(self.fit["fitted"]["affinity_blend"])

    @property
    def in_use(self) -> bool:
        """The desk's settings are the fitted ones already."""
        return (
            all(abs(r.change) < 0.005 for r in self.rows)
            and abs(self.current_blend - self.fitted_blend) < 0.005
        )

    @property
    def measured_on(self) -> dict[str, Any]:
        """The replay numbers behind the proposal, as percentages for the page."""
        fit = self.fit

        def pct(topk: dict[str, float]) -> list[float]:
            return [round(100 * float(topk[k]), 1) for k in KS]

        return {
            "as_set_when_fitted": pct(fit["current"]["topk"]),
            "fitted": pct(fit["fitted"]["topk"]),
            "unconstrained": pct(fit["unconstrained"]["topk"]),
            "baseline": pct(fit["baseline"]["category_most_frequent"]),
        }


def weight_proposal() -> WeightProposal | None:
    """The active model version's weight fit against the desk's settings now; None without one."""
    active = ModelVersion.objects.filter(active=True).values_list("version", "metrics").first()
    if active is None:
        return None
    version, metrics = active
    fit = (metrics or {}).get("weight_fit")
    if not fit:
        return None
    return WeightProposal(version=version, fit=fit, settings=DispatchSettings.load())


def apply_weight_fit(*, version: str | None) -> DispatchSettings:
    """Set the desk's weights and affinity share to what `version` (the active model version)
    fitted. Raises ReviewError naming the field (version) on bad input; saving the settings
    announces the change of facts (dispatch.signals)."""
    if not version or not str(version).strip():
        raise ReviewError("version", "which model version's fit to apply is required")
    row = ModelVersion.objects.filter(version=str(version).strip()).values_list("active", "metrics").first()
    if row is None:
        raise ReviewError("version", f"no model version {version!r}")
    active, metrics = row
    if not active:
        raise ReviewError("version", f"{version} is no longer the active model version: reload the page")
    fit = (metrics or {}).get("weight_fit")
    if not fit:
        raise ReviewError("version", f"{version} has no weight fit (too little history)")
    return _apply(fit)


def _apply(fit: dict[str, Any]) -> DispatchSettings:
    settings = DispatchSettings.load()
    settings.weights = {f: round(float(fit["fitted"]["weights"][f]), 4) for f in FACTORS}
    settings.affinity_blend = round(float(fit["fitted"]["affinity_blend"]), 4)
    settings.full_clean()
    settings.save(update_fields=["weights", "affinity_blend"])
    return settings


def set_auto_apply(on: bool) -> DispatchSettings:
    """Opt the desk in (or out) of applying each training run's fitted weights."""
    settings = DispatchSettings.load()
    settings.apply_fitted_weights = on
    settings.save(update_fields=["apply_fitted_weights"])
    return settings


def apply_if_opted_in(metrics: dict[str, Any]) -> bool:
    """After training: apply the fit where the desk opted in (and it changes something)."""
    fit = metrics.get("weight_fit")
    if not fit or not fit.get("changed") or not DispatchSettings.load().apply_fitted_weights:
        return False
    _apply(fit)
    return True
