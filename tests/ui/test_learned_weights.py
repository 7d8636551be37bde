"""The Learned page's fitted weights: current against fitted with the replay behind them, applied
with one action, refused with a 400 naming the field."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dispatch.engine.types import Policy
from dispatch.learning.weightfit import fit_weights
from dispatch.models import DispatchSettings, ModelVersion
from tests.learning.test_weightfit import PERF_HEAVY, T0, TECHS, specialist_history


@pytest.fixture(scope="module")
def fit() -> dict[str, Any]:
    result = fit_weights(specialist_history(), TECHS, Policy(now=T0, weights=PERF_HEAVY))
    assert result is not None and result.changed
    return result.to_json()


@pytest.fixture
def proposal(db: Any, fit: dict[str, Any]) -> ModelVersion:
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(weights=PERF_HEAVY)
    return ModelVersion.objects.create(version="sb2-test", metrics={"weight_fit": fit}, active=True)


def post(client: Client, **data: str) -> Any:
    return client.post(reverse("dispatch:learned_weights"), data)


def test_the_page_shows_current_against_fitted_and_the_replay_behind_it(
    manager_client: Client, proposal: ModelVersion, fit: dict[str, Any]
) -> None:
    page = manager_client.get(reverse("dispatch:learned")).content.decode()
    assert f"latest {fit['tickets']} tickets" in page
    skill_row = page.split('<th scope="row">skill</th>', 1)[1].split("</tr>", 1)[0]
    fitted_skill = fit["fitted"]["weights"]["skill"]
    assert f"<td>{PERF_HEAVY['skill']:.2f}</td><td>{fitted_skill:.2f}</td>" in skill_row
    assert f"<td>{fitted_skill - PERF_HEAVY['skill']:+.2f}</td>" in skill_row
    fitted = fit["fitted"]["topk"]
    assert " / ".join(f"{100 * fitted[k]:.1f}" for k in ("1", "3", "5")) in page
    assert "Apply the fitted weights" in page


def test_applying_sets_the_desks_weights_and_affinity_share(
    manager_client: Client, proposal: ModelVersion, fit: dict[str, Any]
) -> None:
    response = post(manager_client, action="apply", version=proposal.version)
    assert response.status_code == 302
    settings = DispatchSettings.load()
    assert settings.weights == pytest.approx(fit["fitted"]["weights"])
    assert settings.affinity_blend == pytest.approx(fit["fitted"]["affinity_blend"])
    page = manager_client.get(reverse("dispatch:learned")).content.decode()
    assert "The fitted weights are in use." in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "apply"}, "version: "),
        ({"action": "apply", "version": "sb2-nope"}, "version: no model version"),
        ({"action": "tune"}, "action: unknown action"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    manager_client: Client, proposal: ModelVersion, data: dict[str, str], field: str
) -> None:
    response = post(manager_client, **data)
    assert response.status_code == 400 and field in response.content.decode()
    assert DispatchSettings.load().weights == PERF_HEAVY


def test_a_fit_from_a_version_no_longer_active_is_refused(
    manager_client: Client, proposal: ModelVersion
) -> None:
    ModelVersion.objects.create(version="sb2-newer", metrics={}, active=True)
    ModelVersion.objects.filter(pk=proposal.pk).update(active=False)
    response = post(manager_client, action="apply", version=proposal.version)
    assert (
        response.status_code == 400
        and "version: sb2-test is no longer the active" in response.content.decode()
    )


def test_a_desk_can_opt_in_to_applying_after_each_training(
    manager_client: Client, proposal: ModelVersion
) -> None:
    assert post(manager_client, action="auto_on").status_code == 302
    assert DispatchSettings.load().apply_fitted_weights
    assert "Stop applying automatically" in manager_client.get(reverse("dispatch:learned")).content.decode()


def test_only_managers_may_apply(client_for: Any, dispatcher: Any, proposal: ModelVersion) -> None:
    response = post(client_for(dispatcher), action="apply", version=proposal.version)
    assert response.status_code in (302, 403)
    assert DispatchSettings.load().weights == PERF_HEAVY
