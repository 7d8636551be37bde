from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dispatch.workspace.importer import workspace_export


class Command(BaseCommand):
    help = "Export the desk (settings, skills, technicians, companies, SLAs, rules, tickets, history) as a workspace file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Output path (.json, or .yaml/.yml); '-' for standard output")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        doc = workspace_export()
        if file.endswith((".yaml", ".yml")):
            import yaml

            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        else:
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        if file == "-":
            self.stdout.write(text)
            return
        Path(file).write_text(text, encoding="utf-8")
        counts = ", ".join(f"{len(v)} {k}" for k, v in doc.items() if isinstance(v, list))
        self.stdout.write(self.style.SUCCESS(f"Exported {file}: {counts}"))
