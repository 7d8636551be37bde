"""Tickets, companies, SLAs, rules, organisational settings, and the decisions the engine
makes with their outbox rows for the PSA push."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from dispatch.engine.types import (
    DEFAULT_WEIGHTS,
    PRIORITIES,
    RULE_ACTIONS,
    RULE_WHEN_KEYS,
    STRATEGIES,
    WORKLOAD_METHODS,
)

PRIORITY_CHOICES = [(p, p) for p in PRIORITIES]
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}


class SLAPolicy(models.Model):
    name = models.CharField(max_length=100, unique=True)
    response_hours = models.JSONField(default=dict, help_text='{"Critical": 1, "High": 4, "Medium": 8, "Low": 24}')
    resolution_hours = models.JSONField(default=dict, blank=True)
    business_hours = models.BooleanField(
        "counted in business hours",
        default=False,
        help_text=(
            "The clock runs only in the desk's business hours (dispatch settings): a deadline computed for a "
            "ticket the PSA gave none skips nights and weekends. Off: calendar hours."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("response_hours", "resolution_hours"):
            value = getattr(self, field) or {}
            if not isinstance(value, dict):
                raise ValidationError({field: "must be an object of priority → hours"})
            for key, hours in value.items():
                if key not in PRIORITIES:
                    raise ValidationError({field: f"{key!r} is not one of {', '.join(PRIORITIES)}"})
                if not isinstance(hours, int | float) or hours <= 0:
                    raise ValidationError({field: f"{key}: hours must be a positive number"})


class Tier(models.TextChoices):
    VIP = "vip", "VIP"
    STANDARD = "standard", "Standard"


class Company(models.Model):
    external_id = models.CharField("ID", max_length=100, unique=True)
    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    sla_policy = models.ForeignKey(SLAPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    preferred_technician = models.ForeignKey(
        "skills.Technician", null=True, blank=True, on_delete=models.SET_NULL, related_name="preferred_by"
    )
    account_technicians = models.ManyToManyField("skills.Technician", blank=True, related_name="accounts")
    city = models.CharField(max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Board(models.Model):
    name = models.CharField(max_length=100, unique=True)
    dispatch_enabled = models.BooleanField(default=True, help_text="Tickets on this board are dispatched")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """An open ticket, mirrored from the PSA or imported from a workspace file."""

    external_id = models.CharField("ID", max_length=100)
    connection = models.ForeignKey("psa.PsaConnection", null=True, blank=True, on_delete=models.SET_NULL)
    subject = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey("skills.Category", null=True, blank=True, on_delete=models.SET_NULL)
    predicted_category = models.ForeignKey(
        "skills.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    predicted_confidence = models.FloatField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=PRIORITY_CHOICES, default="Medium")
    board = models.ForeignKey(Board, null=True, blank=True, on_delete=models.SET_NULL)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=50, default="New")
    assigned_to = models.ForeignKey(
        "skills.Technician", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    # The ticket's next SLA deadline, what the queue orders by and risk, breach, the stranded check
    # and metrics read: the one the PSA, the API body or the workspace file gave ("given"), else
    # computed from the company's SLA policy (dispatch.sla): the response deadline while the ticket
    # is unassigned, the resolution deadline once it is assigned ("policy").
    sla_due = models.DateTimeField(null=True, blank=True)
    sla_due_source = models.CharField(
        "SLA deadline source",
        max_length=10,
        blank=True,
        choices=[("given", "Given by the PSA or API"), ("policy", "Computed from the SLA policy")],
        help_text="Empty: no deadline (none given and no SLA policy hours for this priority)",
    )
    sla_response_due = models.DateTimeField(
        null=True, blank=True, help_text="Computed from the SLA policy when no deadline was given"
    )
    sla_resolution_due = models.DateTimeField(
        null=True, blank=True, help_text="Computed from the SLA policy when no deadline was given"
    )
    estimated_hours = models.FloatField(default=1.0, validators=[MinValueValidator(0)])
    actual_hours = models.FloatField(default=0.0, validators=[MinValueValidator(0)], help_text="Time logged (PSA time entries)")
    required_skills = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=50, blank=True)
    location_city = models.CharField(max_length=100, blank=True)
    location_lat = models.FloatField(null=True, blank=True)
    location_lon = models.FloatField(null=True, blank=True)
    onsite = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["sla_due", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="uniq_ticket_per_connection"),
            models.UniqueConstraint(
                fields=["external_id"], condition=models.Q(connection__isnull=True), name="uniq_local_ticket"
            ),
        ]
        indexes = [
            models.Index(fields=["closed", "assigned_to"]),
            models.Index(fields=["sla_due"]),
            # The queue: open unassigned tickets, most urgent deadline first (10,000 open, 2,000 of them).
            models.Index(
                fields=["sla_due", "created_at"],
                condition=models.Q(closed=False, assigned_to__isnull=True),
                name="ticket_queue_by_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.external_id} {self.subject}"

    # What another ticket's ranking reads of this one: its owner's workload.
    WORKLOAD_FIELDS = ("assigned_to_id", "closed", "status", "estimated_hours", "actual_hours", "priority")

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Ticket:
        instance = super().from_db(db, field_names, values)
        if all(f in field_names for f in cls.WORKLOAD_FIELDS):
            instance._loaded_workload = instance.workload_state()  # type: ignore[attr-defined]
        return instance

    def workload_state(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.WORKLOAD_FIELDS)

    def moves_workload(self) -> bool:
        """Whether saving this ticket changes anyone's workload: it is (or was) assigned and a
        workload field differs from what was loaded (unknown counts as changed)."""
        loaded = getattr(self, "_loaded_workload", None)
        if loaded is None:
            return self.assigned_to_id is not None
        return (self.assigned_to_id is not None or loaded[0] is not None) and loaded != self.workload_state()

    @property
    def effective_category(self) -> Any:
        return self.category or self.predicted_category


class HistoryTicket(models.Model):
    """A closed ticket: what the desk learns from and what the replay evaluates against."""

    external_id = models.CharField("ticket ID", max_length=100, unique=True)
    subject = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey("skills.Category", null=True, blank=True, on_delete=models.SET_NULL)
    priority = models.CharField(max_length=10, choices=PRIORITY_CHOICES, default="Medium")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL)
    board = models.ForeignKey(Board, null=True, blank=True, on_delete=models.SET_NULL)
    resolved_by = models.ForeignKey(
        "skills.Technician", null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved"
    )
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True)  # always set by imports; required in the admin so export round-trips
    csat = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    reopened = models.BooleanField(default=False)
    reassignments = models.PositiveIntegerField(default=0)
    met_sla = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at"]
        indexes = [models.Index(fields=["opened_at"]), models.Index(fields=["resolved_at"])]

    def __str__(self) -> str:
        return f"#{self.external_id} {self.subject}"


class Rule(models.Model):
    """An assignment rule (contracts/workspace.md): all `when` keys must hold; one `then` action."""

    WHEN_KEYS = RULE_WHEN_KEYS
    THEN_KEYS = RULE_ACTIONS

    name = models.CharField(max_length=200, unique=True)
    when = models.JSONField(default=dict, blank=True)
    then = models.JSONField(default=dict)
    unless_unavailable = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from dispatch.rules_validation import rule_problems

        problems = rule_problems(self.when, self.then)
        if problems:
            raise ValidationError(problems)


def default_weights() -> dict[str, float]:
    return dict(DEFAULT_WEIGHTS)


def default_business_hours() -> dict[str, Any]:
    return {"timezone": "UTC", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}


def default_excluded_statuses() -> list[str]:
    return ["Waiting for Customer"]


class DispatchSettings(models.Model):
    """The organisational variables (one row). `DispatchSettings.load()` gets or creates it."""

    dispatching_enabled = models.BooleanField(default=True)
    dispatching_mode = models.CharField(max_length=30, choices=[(s, s) for s in STRATEGIES], default="hybrid")
    max_tickets_per_technician = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    workload_calculation_method = models.CharField(
        max_length=20, choices=[(m, m) for m in WORKLOAD_METHODS], default="weighted"
    )
    workload_excluded_statuses = models.JSONField(default=default_excluded_statuses, blank=True)
    sla_priority_weight = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    skill_match_threshold = models.PositiveIntegerField(default=60, validators=[MaxValueValidator(100)])
    allow_overflow_assignment = models.BooleanField(default=False)
    below_threshold = models.CharField(
        "below-threshold assignment",
        max_length=10,
        choices=[
            ("always", "Always"),
            ("urgent", "Urgent only"),
            ("never", "Never"),
        ],
        default="always",
        help_text=(
            "When nobody available reaches the skill threshold. Always: assign the best available. Urgent only: "
            "High/Critical tickets, and others within 30 min of their SLA deadline; the rest wait for a qualified "
            "technician. Never: wait. An API call's force_assignment decides for its ticket."
        ),
    )
    business_hours_only = models.BooleanField(default=False)
    preferred_tech_priority = models.BooleanField(default=True)
    easy_work_cost_penalty = models.FloatField(
        "cost penalty on low-complexity work",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=(
            "On low-complexity tickets, while a junior or mid qualifies and is available, the desk's dearest "
            "hourly rate loses this share of its skill and track-record values (the cheapest none; seniority "
            "stands in where no rate is known). 0 switches it off."
        ),
    )
    senior_pull = models.BooleanField(
        "pull seniors onto Critical VIP work",
        default=True,
        help_text=(
            "A Critical ticket for a VIP company goes to a qualified, available senior even when busy: their "
            "open tickets do not count against them and capacity does not hold them back."
        ),
    )
    weights = models.JSONField(default=default_weights)
    affinity_blend = models.FloatField(
        "history affinity share of the skill factor",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=(
            "How much of the skill factor comes from who history says resolves this kind of work (the rest "
            "from the skills matrix and track record). Fitted from the desk's own history by train_models."
        ),
    )
    apply_fitted_weights = models.BooleanField(
        "apply fitted weights after training",
        default=False,
        help_text=(
            "When on, each training run applies the weights and affinity share it fitted on the desk's own "
            "history (within the workload and availability floors); when off they wait on the Learned page."
        ),
    )
    business_hours = models.JSONField(default=default_business_hours)
    escalation_email = models.EmailField(
        blank=True, help_text="Manager notified on escalation, failed dispatch and stranded tickets"
    )
    notify_customers = models.BooleanField(default=False)

    class Meta:
        verbose_name = "dispatch settings"
        verbose_name_plural = "dispatch settings"

    def __str__(self) -> str:
        return "Dispatch settings"

    @classmethod
    def load(cls) -> DispatchSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    SCHEMA_KEYS = (
        "dispatching_enabled", "dispatching_mode", "max_tickets_per_technician", "workload_calculation_method",
        "workload_excluded_statuses", "sla_priority_weight", "skill_match_threshold", "allow_overflow_assignment",
        "business_hours_only", "preferred_tech_priority", "weights", "business_hours",
    )  # fmt: skip

    def clean(self) -> None:
        """The workspace schema's settings checks (the one settings validator), each problem
        on the field it is about."""
        from dispatch.workspace.schema import settings_problems

        errors: dict[str, list[str]] = {}
        for path, message in settings_problems({k: getattr(self, k) for k in self.SCHEMA_KEYS}):
            field = path.split(".", 1)[0].split("[", 1)[0]
            errors.setdefault(field, []).append(message if path == field else f"{path}: {message}")
        if errors:
            raise ValidationError(errors)


class DecisionStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    APPROVED = "approved", "Approved"
    OVERRIDDEN = "overridden", "Overridden"
    AUTO_ASSIGNED = "auto_assigned", "Auto-assigned"
    SHADOW = "shadow", "Shadow (not applied)"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class Decision(models.Model):
    """One run of the engine for one ticket, stored with everything needed to explain it."""

    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    ticket_external_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=DecisionStatus.choices, db_index=True)
    mode = models.CharField(max_length=10, default="suggest")  # suggest | assign
    strategy = models.CharField(max_length=30)
    initiated_by = models.CharField(max_length=100, default="system_automation")
    recommended = models.ForeignKey(
        "skills.Technician", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned = models.ForeignKey("skills.Technician", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)
    top_score = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    waiting = models.CharField(
        max_length=300, blank=True,
        help_text="Held for a qualified technician (below-threshold assignment 'urgent only'): why, and who is next",
    )  # fmt: skip
    algorithm_version = models.CharField(max_length=50)
    as_of = models.DateTimeField()
    inputs = models.JSONField(default=dict, help_text="Summary of the engine's inputs, for replay")
    candidates = models.JSONField(default=list, help_text="Ranked candidates with breakdowns")
    document = models.JSONField(default=dict, help_text="The API response document")
    notifications = models.JSONField(default=dict, blank=True)
    facts_version = models.BigIntegerField(
        null=True, blank=True, help_text="The facts snapshot (FactsState.version) this ranking was made or last re-checked on"
    )
    sla_risk = models.CharField(max_length=20, blank=True, help_text="The ticket's SLA risk when ranked")
    # A forced pick: the recommended technician is below the skill-match threshold (the engine placed
    # the ticket anyway, force_assignment / below-threshold assignment). Columns, not the JSON, so the
    # queue (which defers the large JSON columns) can mark the row.
    below_skill_threshold = models.BooleanField(
        default=False, help_text="The recommended technician is below the skill-match threshold"
    )
    recommended_skill_match = models.FloatField(
        null=True, blank=True, help_text="The recommended technician's skill match (%)"
    )
    skill_match_threshold = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The skill-match threshold (%) in force when ranked"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ticket", "-created_at"]), models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Decision {self.pk} for #{self.ticket_external_id} ({self.status})"

    @property
    def unqualified_text(self) -> str:
        """ "Below the 50% skill-match threshold (skill match 2%)" for a forced below-threshold
        suggestion, else "" (the queue row's "unqualified" badge, the PSA note, the document)."""
        if not self.below_skill_threshold:
            return ""
        return below_threshold_text(self.recommended_skill_match, self.skill_match_threshold)


def below_threshold_text(skill_match: float | None, threshold: float | None) -> str:
    """How a below-threshold technician is described wherever it is shown."""
    where = f"the {threshold:g}% skill-match threshold" if threshold is not None else "the skill-match threshold"
    match = f" (skill match {round(skill_match)}%)" if skill_match is not None else ""
    return f"Below {where}{match}"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Pushing"
    PUSHED = "pushed", "Pushed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (no PSA connection)"


class Assignment(models.Model):
    """The outbox row for one confirmed assignment, written in the same transaction as the
    decision and pushed to the PSA by a worker that claims it with a conditional UPDATE."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="assignment")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    technician = models.ForeignKey("skills.Technician", on_delete=models.PROTECT, related_name="+")
    # A reassignment takes the ticket from this owner: the push replaces the PSA's owner only while
    # it is still this technician (or empty), and sync keeps ours while the push is on its way.
    replaces = models.ForeignKey(
        "skills.Technician", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    board = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the push task last entered the broker (plus its countdown): the sweeper enqueues a
    # due row again only once that is PSA_PUSH_REQUEUE_AFTER old (the broker lost it, or no
    # worker took it), not at every beat.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.ticket.external_id} → {self.technician} ({self.state})"


class StrandedAlert(models.Model):
    """A stranded ticket (dispatch.stranded) the manager has been told about, so the 5-minute
    check e-mails each one once per owner. Forgotten once the ticket is no longer stranded."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    technician = models.ForeignKey("skills.Technician", on_delete=models.CASCADE, related_name="+")
    notified_at = models.DateTimeField()
    recipient = models.EmailField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "technician"], name="uniq_stranded_alert")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} / {self.technician_id} → {self.recipient}"


class TechnicianExperience(models.Model):
    """Learned by train_models: one row per technician and slice (category, board or company)."""

    SCOPES = [("all", "All work"), ("category", "Category"), ("board", "Board"), ("company", "Company")]
    technician = models.ForeignKey("skills.Technician", on_delete=models.CASCADE, related_name="experience")
    scope = models.CharField(max_length=10, choices=SCOPES)
    key = models.CharField(max_length=200, blank=True)
    resolved = models.FloatField(default=0)
    resolved_raw = models.PositiveIntegerField(default=0)
    avg_resolution_hours = models.FloatField(null=True, blank=True)
    reopen_rate = models.FloatField(null=True, blank=True)
    csat = models.FloatField(null=True, blank=True)
    on_time_rate = models.FloatField(null=True, blank=True)
    resolved_this_week = models.PositiveIntegerField(default=0)
    model_version = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["technician", "scope", "key"], name="uniq_experience")]
        indexes = [models.Index(fields=["scope", "key"])]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.scope}:{self.key} ({self.resolved:.1f})"


class LearnedWorkPattern(models.Model):
    """Learned by train_models from history (dispatch/learning/workpattern.py): a technician's
    working capacity (typical concurrent open tickets) and working hours, for where the workspace
    or PSA states none. Managers confirm or override them; a retrain updates the learned values
    and keeps what a manager set."""

    technician = models.OneToOneField("skills.Technician", on_delete=models.CASCADE, related_name="work_pattern")
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Learned; empty: too little history")
    capacity_samples = models.PositiveIntegerField(default=0)
    capacity_median = models.FloatField(null=True, blank=True)
    hours = models.JSONField(null=True, blank=True, help_text="Learned: days, start, end (local), share, events")
    capacity_confirmed = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Set by a manager (confirm or override)"
    )
    hours_confirmed = models.JSONField(null=True, blank=True)
    hours_ignored = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    model_version = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return f"{self.technician_id}: capacity {self.capacity}"


class ModelVersion(models.Model):
    """A trained model set (experience tables + text classifier), reported in decisions."""

    version = models.CharField(max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history_count = models.PositiveIntegerField(default=0)
    classifier_path = models.CharField(max_length=500, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version


def new_epoch() -> str:
    return uuid.uuid4().hex


class FactsState(models.Model):
    """One row: the version of the facts every ranking reads (technicians' skills, rota, workload,
    experience; settings, rules, categories, companies). Bumped after every committed change
    that can move a ranking (dispatch.snapshot), so a decision records which facts it was made
    on and the queue knows which suggestions are stale. `people_version` moves only with the
    technician facts that are expensive to build (not with workload)."""

    version = models.BigIntegerField(default=1)
    # Names this database's snapshots in the shared cache (a restored or recreated database
    # starts again at version 1 and must not read another one's entries).
    epoch = models.CharField(max_length=32, default=new_epoch)
    people_version = models.BigIntegerField(default=1)
    # [[people_version, [technician pk, ...] or null], ...]: which technicians each recent people
    # change touched (null: anyone), so a process holding an older snapshot rebuilds only those.
    people_log = models.JSONField(default=list, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "facts version"

    def __str__(self) -> str:
        return f"Facts version {self.version}"
