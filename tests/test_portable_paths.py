"""The checkout works wherever it is cloned: no file names where one machine keeps it."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = {".py", ".md", ".html", ".js", ".css", ".toml", ".cfg", ".ini", ".txt", ".yml", ".yaml", ".json", ".sh"}
SKIP_DIRS = {"node_modules", "__pycache__", "var", "vendor", "screenshots"}


def project_files() -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
        files += [Path(folder) / n for n in names if Path(n).suffix in TEXT or n == "Makefile"]
    return files


def test_no_file_names_the_absolute_location_of_the_checkout_or_its_neighbours():
    # ROOT.parent holds the checkout and ../shared; "/" when cloned at the root, then the checkout itself
    where = str(ROOT.parent) + "/" if ROOT.parent != ROOT.parent.parent else str(ROOT) + "/"
    found = [f"{p.relative_to(ROOT)}:{n}" for p in project_files()
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if where in line]
    assert found == []


def test_no_documentation_points_at_a_temporary_file():
    found = [f"{p.relative_to(ROOT)}:{n}" for p in project_files() if p.suffix == ".md"
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if "/tmp/" in line]
    assert found == []
