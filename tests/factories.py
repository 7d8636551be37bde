"""factory-boy factories for every app's models."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Role, User
from dispatch.models import Board, Company, HistoryTicket, Rule, SLAPolicy, Ticket
from skills.models import Category, Skill, Technician, TechnicianSkill


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = Role.DISPATCHER

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or "pw-for-tests-123")
        if create:
            self.save(update_fields=["password"])


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")
    group = "General"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Category {n}")
    complexity = "medium"

    @factory.post_generation
    def skills(self, create: bool, extracted: list[Skill] | None, **kwargs: object) -> None:
        if create and extracted:
            self.required_skills.set(extracted)


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        django_get_or_create = ("external_id",)
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"tech-{n}")
    name = factory.Sequence(lambda n: f"Technician {n}")
    email = factory.LazyAttribute(lambda o: f"{o.external_id}@msp.example.com")
    seniority = "mid"
    timezone = "UTC"
    languages = factory.LazyFunction(lambda: ["English"])

    @factory.post_generation
    def skills(self, create: bool, extracted: dict[Skill, str] | None, **kwargs: object) -> None:
        for skill, level in (extracted or {}).items():
            TechnicianSkill.objects.create(technician=self, skill=skill, level=level)


class SLAPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLAPolicy
        django_get_or_create = ("name",)

    name = "Standard"
    response_hours = factory.LazyFunction(lambda: {"Critical": 1, "High": 4, "Medium": 8, "Low": 24})
    resolution_hours = factory.LazyFunction(lambda: {"Critical": 4, "High": 8, "Medium": 24, "Low": 72})


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("external_id",)

    external_id = factory.Sequence(lambda n: f"company-{n}")
    name = factory.Sequence(lambda n: f"Company {n}")
    sla_policy = factory.SubFactory(SLAPolicyFactory)


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("name",)

    name = "Service Desk"


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    external_id = factory.Sequence(lambda n: str(10000 + n))
    subject = "Outlook keeps asking for a password"
    priority = "Medium"
    board = factory.SubFactory(BoardFactory)
    company = factory.SubFactory(CompanyFactory)
    created_at = factory.LazyFunction(timezone.now)
    sla_due = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=8))


class HistoryTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HistoryTicket

    external_id = factory.Sequence(lambda n: f"h{n}")
    subject = "Printer offline"
    priority = "Medium"
    opened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    first_response_at = factory.LazyAttribute(lambda o: o.opened_at + dt.timedelta(minutes=30))
    resolved_at = factory.LazyAttribute(lambda o: o.opened_at + dt.timedelta(hours=4))
    csat = 5
    met_sla = True


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"Rule {n}")
    when = factory.LazyFunction(dict)
    then = factory.LazyFunction(lambda: {"prefer": [], "points": 10})
