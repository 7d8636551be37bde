"""`python manage.py psa_simulator --vendor connectwise|autotask|halopsa --port N --workspace FILE`:
the same options as `python -m psa.simulator` (psa/simulator/cli.py), served until Ctrl-C."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from psa.simulator import cli


class Command(BaseCommand):
    help = "Run a local ConnectWise / Autotask / HaloPSA API simulator seeded from a workspace file."
    requires_system_checks: list[str] = []  # the simulator touches no database

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        cli.run_from_options(options)
