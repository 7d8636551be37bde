"""Forms of the managers' skills and schedules pages."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any, cast

from django import forms

from skills.models import Level, OnCall, Technician, TimeOff


class LevelForm(forms.Form):
    """One cell of the skills matrix: a level, or empty for "does not have this skill"."""

    level = forms.ChoiceField(choices=[("", "—")] + list(Level.choices), required=False)


class _LocalPeriodForm(forms.ModelForm):
    """Start and end are typed in the technician's own time zone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        technician = cast(forms.ModelChoiceField, self.fields["technician"])
        technician.queryset = Technician.objects.filter(active=True).order_by("name")
        for name in ("start", "end"):
            self.fields[name].widget = forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
            self.fields[name].help_text = "in the technician's own time zone (shown next to their name)"
        technician.label_from_instance = lambda t: f"{t.name} ({t.timezone})"  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # ModelForm.clean() returns cleaned_data
        tech: Technician | None = data.get("technician")
        start: datetime | None = data.get("start")
        end: datetime | None = data.get("end")
        if tech and start and end:
            tz = zoneinfo.ZoneInfo(tech.timezone)
            data["start"] = start.replace(tzinfo=None).replace(tzinfo=tz)
            data["end"] = end.replace(tzinfo=None).replace(tzinfo=tz)
            if data["end"] <= data["start"]:
                self.add_error("end", "Must be after the start.")
        return data


class TimeOffForm(_LocalPeriodForm):
    class Meta:
        model = TimeOff
        fields = ["technician", "start", "end", "reason"]


class OnCallForm(_LocalPeriodForm):
    class Meta:
        model = OnCall
        fields = ["technician", "start", "end"]
