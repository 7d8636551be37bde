"""Forms of the dispatch pages. Model validation stays on the models
(DispatchSettings.clean, Rule.clean); these forms collect input and report its errors."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from dispatch.engine.types import FACTORS, PRIORITIES, SENIORITIES, STRATEGIES, WORKLOAD_METHODS
from dispatch.models import Board, Company, DispatchSettings, Rule
from dispatch.rule_builder import ACTION_FIELDS, ACTIONS, TIERS, builder_initial, builder_rule
from dispatch.views_common import FACTOR_LABELS
from dispatch.whatif import WhatIf
from skills.models import AutoAssign, Category, Skill, Technician

WEEKDAY_CHOICES = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class AssignForm(forms.Form):
    """Approve (no technician, or the recommended one) or override (another one + reason)."""

    technician_id = forms.CharField(required=False, max_length=100)
    reason = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    assign_anyway = forms.BooleanField(required=False)


class WhatIfForm(forms.Form):
    strategy = forms.ChoiceField(
        choices=[("", "Settings default")] + [(s, s.replace("_", " ")) for s in STRATEGIES], required=False
    )
    as_of = forms.DateTimeField(
        required=False,
        label="As of",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    exclude = forms.MultipleChoiceField(required=False, label="Exclude")

    def __init__(
        self,
        *args: Any,
        technicians: Sequence[tuple[str, str]] = (),
        weights: dict[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["exclude"]).choices = list(technicians)
        for factor in FACTORS:
            self.fields[f"w_{factor}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=100,
                label=FACTOR_LABELS[factor],
                initial=round(100 * (weights or {}).get(factor, 0.2)),
                widget=forms.NumberInput(
                    attrs={"type": "range", "min": 0, "max": 100, "step": 1, "data-weight": factor}
                ),
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{f}"] for f in FACTORS]

    def to_whatif(self) -> WhatIf:
        data = self.cleaned_data
        given = {f: data.get(f"w_{f}") for f in FACTORS}
        weights = (
            {f: float(v) for f, v in given.items() if v is not None}
            if any(v is not None for v in given.values())
            else None
        )
        as_of: datetime | None = data.get("as_of")
        if as_of is not None and timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of)
        return WhatIf(
            weights=weights,
            exclude=tuple(data.get("exclude") or ()),
            as_of=as_of,
            strategy=data.get("strategy") or None,
        )


class AutoAssignForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["auto_assign", "auto_assign_min_confidence"]
        labels = {"auto_assign": "Auto-assign", "auto_assign_min_confidence": "Min. confidence"}
        widgets = {
            "auto_assign_min_confidence": forms.NumberInput(attrs={"step": "0.05", "min": 0, "max": 1})
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["auto_assign"]).choices = [
            (k, label.split(" (")[0]) for k, label in AutoAssign.choices
        ]

    def stored(self) -> str:
        """The category's stored mode and threshold, as the row reads them: "Off, ≥ 0.70"."""
        mode = AutoAssign(self.instance.auto_assign).label.split(" (")[0]
        return f"{mode}, ≥ {self.instance.auto_assign_min_confidence:.2f}"


class SettingsForm(forms.Form):
    """The organisational variables. `proposed()` is an unsaved DispatchSettings that passed
    DispatchSettings.full_clean(); its errors land on the matching fields."""

    dispatching_enabled = forms.BooleanField(required=False)
    dispatching_mode = forms.ChoiceField(
        label="Strategy", choices=[(s, s.replace("_", " ")) for s in STRATEGIES]
    )
    max_tickets_per_technician = forms.IntegerField(min_value=1, label="Max tickets per technician")
    workload_calculation_method = forms.ChoiceField(
        label="Workload method", choices=[(m, m.replace("_", " ")) for m in WORKLOAD_METHODS]
    )
    workload_excluded_statuses = forms.CharField(
        required=False, label="Statuses not counted as workload", help_text="Comma separated"
    )
    sla_priority_weight = forms.FloatField(min_value=0, max_value=1, label="SLA priority weight")
    skill_match_threshold = forms.IntegerField(min_value=0, max_value=100, label="Skill match threshold (%)")
    allow_overflow_assignment = forms.BooleanField(required=False)
    below_threshold = forms.ChoiceField(
        label="Below-threshold assignment",
        choices=DispatchSettings._meta.get_field("below_threshold").choices or (),
        help_text=DispatchSettings._meta.get_field("below_threshold").help_text,
    )
    business_hours_only = forms.BooleanField(required=False)
    preferred_tech_priority = forms.BooleanField(
        required=False, label="Prefer the customer's preferred technician"
    )
    easy_work_cost_penalty = forms.FloatField(
        min_value=0, max_value=1, label="Cost penalty on low-complexity work (0-1)",
        help_text=DispatchSettings._meta.get_field("easy_work_cost_penalty").help_text,
    )  # fmt: skip
    senior_pull = forms.BooleanField(
        required=False, label="Pull seniors onto Critical VIP work",
        help_text=DispatchSettings._meta.get_field("senior_pull").help_text,
    )  # fmt: skip
    escalation_email = forms.EmailField(required=False)
    notify_customers = forms.BooleanField(required=False)
    bh_timezone = forms.CharField(label="Time zone", max_length=64)
    bh_days = forms.TypedMultipleChoiceField(
        label="Days", choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    bh_start = forms.CharField(label="Opens", max_length=5)
    bh_end = forms.CharField(label="Closes", max_length=5)

    PLAIN = (
        "dispatching_enabled", "dispatching_mode", "max_tickets_per_technician", "workload_calculation_method",
        "sla_priority_weight", "skill_match_threshold", "allow_overflow_assignment", "below_threshold",
        "business_hours_only", "preferred_tech_priority", "escalation_email", "notify_customers",
        "easy_work_cost_penalty", "senior_pull",
    )  # fmt: skip

    def __init__(self, data: Any = None, *, instance: DispatchSettings, **kwargs: Any) -> None:
        self.instance = instance
        initial = {name: getattr(instance, name) for name in self.PLAIN}
        initial["workload_excluded_statuses"] = ", ".join(instance.workload_excluded_statuses or [])
        bh = instance.business_hours or {}
        initial.update(
            bh_timezone=bh.get("timezone", "UTC"),
            bh_days=bh.get("days", []),
            bh_start=bh.get("start", ""),
            bh_end=bh.get("end", ""),
        )
        for factor in FACTORS:  # sliders in percent, as the what-if's
            initial[f"w_{factor}"] = round(100 * float((instance.weights or {}).get(factor, 0)))
        super().__init__(data, initial=initial, **kwargs)
        for factor in FACTORS:
            self.fields[f"w_{factor}"] = forms.FloatField(min_value=0, max_value=100, label=FACTOR_LABELS[factor])
        self._proposed: DispatchSettings | None = None

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{f}"] for f in FACTORS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if self.errors:
            return data
        proposed = copy.copy(self.instance)
        for name in self.PLAIN:
            setattr(proposed, name, data[name])
        proposed.workload_excluded_statuses = [
            s.strip() for s in (data.get("workload_excluded_statuses") or "").split(",") if s.strip()
        ]
        proposed.weights = normalised({f: data[f"w_{f}"] for f in FACTORS})
        if proposed.weights is None:
            self.add_error(f"w_{FACTORS[0]}", "At least one weight must be above 0.")
            return data
        proposed.business_hours = {
            "timezone": data["bh_timezone"],
            "days": sorted(data["bh_days"]),
            "start": data["bh_start"],
            "end": data["bh_end"],
        }
        try:
            proposed.full_clean(validate_unique=False)
        except ValidationError as exc:
            self._model_errors(exc)
        else:
            self._proposed = proposed
        return data

    def _model_errors(self, exc: ValidationError) -> None:
        where = {"business_hours": "bh_timezone"}
        for field, messages in exc.message_dict.items():
            target = field if field in self.fields else where.get(field)
            for message in messages:
                self.add_error(target, message)

    def proposed(self) -> DispatchSettings:
        assert self._proposed is not None, "call is_valid() first"
        return self._proposed


def normalised(weights: dict[str, float]) -> dict[str, float] | None:
    """Weights in any unit (the sliders' percentages) scaled to sum to 1, as the what-if does;
    None when they are all 0."""
    total = sum(weights.values())
    if total <= 0:
        return None
    scaled = {f: round(w / total, 6) for f, w in weights.items()}
    largest = max(scaled, key=lambda f: scaled[f])
    scaled[largest] = round(scaled[largest] + 1 - sum(scaled.values()), 6)
    return scaled


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r}")
    return dict(pairs)


class JSONObjectField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "code"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def to_python(self, value: Any) -> Any:
        text = (super().to_python(value) or "").strip()
        if not text:
            return {}
        try:
            parsed = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from exc
        except RecursionError:
            raise ValidationError("Not accepted: nested too deeply") from None
        except ValueError as exc:  # a key given twice
            raise ValidationError(f"Not accepted: {exc}") from None
        if not isinstance(parsed, dict):
            raise ValidationError('Must be a JSON object, e.g. {"priority": "Critical"}')
        return parsed


class _ByName(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "name", obj))


class _TechnicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.active else f"{obj.name} (inactive)"


class _TechniciansChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.active else f"{obj.name} (inactive)"


class RuleForm(forms.ModelForm):
    """A rule edited with pickers by name (conditions and one action; dispatch.rule_builder),
    or as JSON when `json_mode` is ticked (export, and rules the pickers cannot show)."""

    c_company = _ByName(queryset=Company.objects.order_by("name"), to_field_name="external_id", required=False,
                        label="Company", help_text="any of these")  # fmt: skip
    c_tier = forms.ChoiceField(choices=TIERS, required=False, label="Tier")
    c_category = _ByName(queryset=Category.objects.order_by("name"), to_field_name="name", required=False,
                         label="Category", help_text="any of these")  # fmt: skip
    c_priority = forms.MultipleChoiceField(
        choices=[(p, p) for p in PRIORITIES], required=False, label="Priority", widget=forms.CheckboxSelectMultiple
    )
    c_board = _ByName(queryset=Board.objects.order_by("name"), to_field_name="name", required=False,
                      label="Board", help_text="any of these")  # fmt: skip
    c_keywords = forms.CharField(
        required=False, max_length=500, label="Keywords",
        help_text="comma separated; any one, as a whole word, in the subject or description",
    )  # fmt: skip
    a_action = forms.ChoiceField(choices=ACTIONS, label="Action", initial="assign_to", required=False)
    a_technician = _TechnicianChoice(
        queryset=Technician.objects.order_by("name"), to_field_name="external_id", required=False, label="Technician"
    )
    a_technicians = _TechniciansChoice(
        queryset=Technician.objects.order_by("name"), to_field_name="external_id", required=False, label="Technicians"
    )
    a_points = forms.FloatField(required=False, initial=10, min_value=0, max_value=100, label="Bonus points")
    a_seniority = forms.ChoiceField(choices=[(s, s) for s in SENIORITIES], required=False, label="Seniority")
    a_skills = _ByName(queryset=Skill.objects.order_by("name"), to_field_name="name", required=False, label="Skills")
    a_board = forms.ModelChoiceField(queryset=Board.objects.order_by("name"), to_field_name="name", required=False,
                                     label="Board")  # fmt: skip
    a_email = forms.EmailField(required=False, label="E-mail")
    json_mode = forms.BooleanField(required=False, label="Edit as JSON instead (advanced)")
    when = JSONObjectField(
        required=False, help_text='All must hold, e.g. {"tier": "vip", "priority": ["High", "Critical"]}'
    )
    then = JSONObjectField(required=False, help_text='One action, e.g. {"prefer": ["tech-1"], "points": 10}')

    WHEN_FIELDS = ("c_company", "c_tier", "c_category", "c_priority", "c_board", "c_keywords")
    THEN_FIELDS = ("a_action", "a_technician", "a_technicians", "a_points", "a_seniority", "a_skills", "a_board",
                   "a_email")  # fmt: skip

    class Meta:
        model = Rule
        fields = ["name", "when", "then", "unless_unavailable", "enabled", "order"]
        widgets = {"order": forms.NumberInput(attrs={"class": "narrow"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            initial = builder_initial(self.instance.when or {}, self.instance.then or {})
            if initial is None or not self._all_known(initial):
                self.initial["json_mode"] = True  # the pickers cannot show this rule
            else:
                self.initial.update(initial)

    def _plain(self, data: dict[str, Any]) -> dict[str, Any]:
        """The pickers' cleaned values with model instances as their ids or names (to_field_name)."""
        out = dict(data)
        for name in (*self.WHEN_FIELDS, *self.THEN_FIELDS):
            field, value = self.fields[name], data.get(name)
            if isinstance(field, forms.ModelChoiceField) and value is not None:
                key = field.to_field_name or "pk"
                if isinstance(field, forms.ModelMultipleChoiceField):
                    out[name] = [str(getattr(v, key)) for v in value]
                else:
                    out[name] = str(getattr(value, key))
        return out

    def _all_known(self, initial: dict[str, Any]) -> bool:
        """Whether every id or name in the rule is one the pickers offer (else they would drop it)."""
        for name, value in initial.items():
            field = self.fields[name]
            wanted = set(value if isinstance(value, list) else [value] if value else [])
            if not wanted:
                continue
            if isinstance(field, forms.ModelChoiceField):  # the multiple-choice ones too
                key = field.to_field_name or "pk"
                queryset = cast(QuerySet[Any], field.queryset)
                if len(set(queryset.filter(**{f"{key}__in": wanted}).values_list(key, flat=True))) < len(wanted):
                    return False
            elif isinstance(field, forms.ChoiceField):
                offered = {str(c) for c, _ in cast(list[tuple[Any, Any]], field.choices)}
                if not wanted <= offered:
                    return False
        return True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # ModelForm.clean() returns cleaned_data
        if data.get("json_mode") or "a_action" not in self.data:  # ticked, or a post of the JSON alone
            if not data.get("then") and "then" not in self.errors:
                self.add_error("then", "Give one action.")
            return data
        when, then, problems = builder_rule(self._plain(data))
        for field, message in problems.items():
            self.add_error(field, message)
        data["when"], data["then"] = when, then
        self.errors.pop("when", None)  # the JSON boxes are not used: their content does not count
        self.errors.pop("then", None)
        return data

    def builder_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.WHEN_FIELDS]

    def action_fields(self) -> list[tuple[forms.BoundField, str]]:
        """(field, the actions it belongs to) for the template's per-action visibility."""
        users: dict[str, list[str]] = {}
        for action, names in ACTION_FIELDS.items():
            for name in names:
                users.setdefault(name, []).append(action)
        return [(self[name], " ".join(users.get(name, []))) for name in self.THEN_FIELDS if name != "a_action"]

    def proposed_rules(self) -> list[Rule]:
        """Every saved rule with this one added or replaced (not saved)."""
        mine = self.instance
        rules = [r for r in Rule.objects.all() if r.pk != mine.pk]
        return sorted([*rules, mine], key=lambda r: (r.order, r.name))


class WorkspaceUploadForm(forms.Form):
    file = forms.FileField(label="Workspace file (.json, .yaml)")
    replace = forms.BooleanField(required=False, label="Replace everything (wipe the desk first)")


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(7, "7 days"), (30, "30 days"), (90, "90 days")], coerce=int, required=False
    )
