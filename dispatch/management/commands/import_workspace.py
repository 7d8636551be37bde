from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dispatch.workspace.importer import workspace_import
from dispatch.workspace.schema import WorkspaceError, load_workspace


class Command(BaseCommand):
    help = "Import a workspace file (JSON or YAML): upsert by id; --replace wipes first. A bad file changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--replace", action="store_true", help="Wipe the desk's data before importing")
        parser.add_argument(
            "--create-missing-technicians",
            action="store_true",
            help="Create bare technicians for assigned_to / resolved_by ids found nowhere",
        )
        parser.add_argument("--no-train", action="store_true", help="Do not retrain the models after a history import")
        parser.add_argument(
            "--max-bytes", type=int, default=None,
            help="Refuse files larger than this (default: settings.WORKSPACE_MAX_BYTES; 0: no limit)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        bars: dict[str, tqdm] = {}

        def progress(section: str, done: int, total: int) -> None:
            if options["verbosity"] == 0:
                return
            bar = bars.get(section) or bars.setdefault(section, tqdm(total=total, desc=section, unit="rows", leave=True))
            bar.update(done - bar.n)

        try:
            limit = options["max_bytes"] if options["max_bytes"] is not None else settings.WORKSPACE_MAX_BYTES
            doc = load_workspace(options["file"], max_bytes=limit or None)
            counts = workspace_import(
                doc,
                replace=options["replace"],
                create_missing_technicians=options["create_missing_technicians"],
                progress=progress,
            )
        except WorkspaceError as exc:
            raise CommandError(f"{options['file']} was not imported (nothing changed):\n{exc}") from exc
        finally:
            for bar in bars.values():
                bar.close()
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        self.stdout.write(self.style.SUCCESS(f"Imported {options['file']}: {summary or 'nothing'}"))
        if counts.get("history") and not options["no_train"]:
            from dispatch.tasks import train_models

            train_models.delay()
            self.stdout.write("Model training queued (history changed).")
