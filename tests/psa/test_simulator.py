"""The simulators' own control endpoints and command line."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from psa.simulator.cli import add_arguments, credentials_from_options
from tests.psa.conftest import Sim

ROOT = Path(__file__).resolve().parents[2]


def test_faults_are_validated_and_listed(sim: Sim) -> None:
    bad = sim.http.post(f"{sim.base_url}/_sim/faults", json={"mode": "explode"})
    sim.fault("500", count=2, path_contains="tickets")

    assert bad.status_code == 400
    assert sim.http.get(f"{sim.base_url}/_sim/faults").json()["pending"][0]["count"] == 2
    assert sim.http.delete(f"{sim.base_url}/_sim/faults").json() == {"pending": []}


def test_a_fault_only_hits_matching_paths(sim: Sim) -> None:
    sim.fault("500", path_contains="no-such-path")

    assert sim.http.get(f"{sim.base_url}/_sim/faults").json()["pending"]
    assert sim.state()["tickets"]  # /_sim/ itself is never faulted


def test_the_request_log_counts_pushes(sim: Sim, backend: Any) -> None:
    backend.assign_ticket("12345", sim.member_id("tech-456"), None, "note")

    writes = [
        r
        for r in sim.requests()
        if r["method"] in ("PATCH", "POST") and "token" not in r["path"] and "/query" not in r["path"]
    ]
    assert len(writes) == 2  # the assignment and the note
    sim.http.delete(f"{sim.base_url}/_sim/requests")
    assert sim.requests() == []


def test_sim_tickets_validates_what_it_creates(sim: Sim) -> None:
    response = sim.http.post(
        f"{sim.base_url}/_sim/tickets", json={"subject": "x", "assigned_to": "tech-nobody"}
    )

    assert response.status_code == 400


def test_state_shows_closed_tickets_on_request(sim: Sim) -> None:
    everything = sim.http.get(f"{sim.base_url}/_sim/state", params={"closed": "1"}).json()["tickets"]

    assert {t["id"] for t in everything} >= {"9001", "9002"}
    assert {t["id"] for t in sim.state()["tickets"]} == {"12345", "12346", "12347"}


def test_options_parse_for_every_vendor() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = vars(
        parser.parse_args(
            [
                "--vendor",
                "autotask",
                "--workspace",
                "w.json",
                "--username",
                "me@x",
                "--webhook-url",
                "http://h",
            ]
        )
    )

    assert credentials_from_options("autotask", options)["username"] == "me@x"
    assert credentials_from_options("autotask", options)["secret"]  # a default for local runs


def test_python_dash_m_runs_a_simulator(tmp_path: Path, workspace: dict[str, Any]) -> None:
    path = tmp_path / "workspace.json"
    path.write_text(json.dumps(workspace))
    command = [sys.executable, "-m", "psa.simulator", "--vendor", "connectwise", "--port", "0", "--workspace", str(path),
               "--company-id", "acmemsp"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        base_url = line.split(" on ", 1)[1].split(" ", 1)[0]
        info = httpx.get(f"{base_url}/login/companyinfo/acmemsp").json()
        assert info["Codebase"] == "v4_6_release/"
        assert "simulator-private" not in line
    finally:
        process.terminate()
        process.wait(5)


def test_simulators_and_backends_load_without_django() -> None:
    code = (
        "import sys, psa.simulator.cli, psa.simulator.connectwise, psa.simulator.autotask, psa.simulator.halopsa, "
        "psa.backends.connectwise, psa.backends.autotask, psa.backends.halopsa; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
