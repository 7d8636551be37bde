"""Technicians and what they can do, when: skills, levels, certifications, languages,
weekly shifts, time off, on-call, and the categories of work with their required skills."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone") from exc


class Seniority(models.TextChoices):
    JUNIOR = "junior", "Junior"
    MID = "mid", "Mid"
    SENIOR = "senior", "Senior"


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    EXPERT = "expert", "Expert"


LEVEL_RANK = {Level.BEGINNER: 1, Level.INTERMEDIATE: 2, Level.EXPERT: 3}


class Skill(models.Model):
    name = models.CharField(max_length=100, unique=True)
    group = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return self.name


class Certification(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Technician(models.Model):
    external_id = models.CharField("ID", max_length=100, unique=True, help_text="Stable id, e.g. the PSA member identifier")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    seniority = models.CharField(max_length=10, choices=Seniority.choices, default=Seniority.MID)
    hourly_cost = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    city = models.CharField(max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    onsite_capable = models.BooleanField(default=False)
    languages = models.JSONField(default=list, blank=True, help_text='e.g. ["English", "Spanish"]')
    certifications = models.ManyToManyField(Certification, blank=True, related_name="technicians")
    max_active_tickets = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: the organisation default"
    )
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="technician"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TechnicianSkill(models.Model):
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="technician_levels")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.INTERMEDIATE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["technician", "skill"], name="uniq_tech_skill")]
        ordering = ["skill__name"]

    def __str__(self) -> str:
        return f"{self.technician}: {self.skill} ({self.level})"


class Shift(models.Model):
    """One weekly shift on one weekday, in the technician's local time; end <= start crosses midnight."""

    WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, validators=[MaxValueValidator(6)])
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["technician", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


class TimeOff(models.Model):
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    # "" when entered here (schedules page, workspace import); "psa:<connection id>" when synced from
    # a PSA, which then owns it: time off cancelled there is deleted here on the next people sync.
    source = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="timeoff_end_after_start")]

    def __str__(self) -> str:
        return f"{self.technician}: {self.start:%Y-%m-%d} → {self.end:%Y-%m-%d} {self.reason}"


class OnCall(models.Model):
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="on_call")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["start"]
        verbose_name = "on-call period"
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="oncall_end_after_start")]

    def __str__(self) -> str:
        return f"{self.technician}: {self.start:%Y-%m-%d %H:%M} → {self.end:%Y-%m-%d %H:%M}"


class Complexity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class AutoAssign(models.TextChoices):
    OFF = "off", "Off (suggest only)"
    SHADOW = "shadow", "Shadow (record what it would do)"
    ON = "on", "On (assign without approval)"


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="categories")
    complexity = models.CharField(max_length=10, choices=Complexity.choices, default=Complexity.MEDIUM)
    auto_assign = models.CharField(max_length=10, choices=AutoAssign.choices, default=AutoAssign.OFF)
    auto_assign_min_confidence = models.FloatField(
        default=0.7,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Auto-assign only when the engine's confidence is at least this (0..1)",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name
