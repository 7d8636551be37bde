from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiToken, Role, User


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (created with --role when missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=[r.value for r in Role], default=None)
        parser.add_argument("--name", default="", help="A label for the token")

    def handle(self, *args: Any, username: str, role: str | None, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, role=role or Role.DISPATCHER)
            user.set_unusable_password()
            user.save()
        elif role and user.role != role:
            user.role = role
            user.save(update_fields=["role"])
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        _, raw = ApiToken.issue(user, name=name)
        self.stdout.write(raw)
