"""Managers' pages in dispatch: auto-assign with earned trust, rules and organisational
settings (validated, previewed against the current queue before saving), and the
workspace file import/export."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.timezones import DESK_ZONE_KEY
from accounts.views import HtmxHttpRequest, manager_required
from dispatch.forms import AutoAssignForm, RuleForm, SettingsForm, WorkspaceUploadForm
from dispatch.metrics import trust_table
from dispatch.models import Company, DispatchSettings, Rule
from dispatch.rule_builder import rule_sentence
from dispatch.whatif import PREVIEW_LIMIT, queue_preview
from dispatch.workspace.importer import workspace_export, workspace_import
from dispatch.workspace.schema import WorkspaceError, load_workspace
from skills.models import Category, Technician

TRUST_DAYS = 30


# ---------------------------------------------------------------- auto-assign


@manager_required
@require_GET
def autoassign(request: HtmxHttpRequest) -> HttpResponse:
    rows = [
        (row, AutoAssignForm(instance=row.category, prefix=f"c{row.category.pk}"))
        for row in trust_table(TRUST_DAYS)
    ]
    return render(request, "dispatch/autoassign.html", {"rows": rows, "days": TRUST_DAYS})


@manager_required
@require_POST
def autoassign_update(request: HtmxHttpRequest, category_id: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=category_id)
    form = AutoAssignForm(request.POST, instance=category, prefix=f"c{category.pk}")
    saved = form.is_valid()
    if saved:
        form.save()
    refused = " ".join(
        f"{form.fields[name].label if name in form.fields else 'Category'}: {' '.join(str(e) for e in errs)}"
        for name, errs in form.errors.items()
    )
    if not request.htmx:
        if saved:
            messages.success(
                request,
                f"{category.name}: auto-assign {category.auto_assign}, min. confidence {category.auto_assign_min_confidence:.2f}",
            )
        else:
            messages.error(request, f"{category.name}: {refused} Not saved.")
        return redirect("dispatch:autoassign")
    # The row shows what is stored: after a refusal, the stored values and which field was refused.
    row = next(r for r in trust_table(TRUST_DAYS) if r.category.pk == category.pk)
    form = AutoAssignForm(instance=row.category, prefix=f"c{category.pk}")
    if refused:
        refused += f" Not saved: still {form.stored()}."
    context = {"row": row, "form": form, "saved": saved, "refused": refused, "days": TRUST_DAYS}
    return render(request, "dispatch/autoassign.html#row", context, status=200 if saved else 422)


# ---------------------------------------------------------------- rules and settings


def _rules_context(**extra: Any) -> dict[str, Any]:
    """The rules list reads as sentences with names, not ids (dispatch.rule_builder)."""
    names = {
        "technician": dict(Technician.objects.values_list("external_id", "name")),
        "company": dict(Company.objects.values_list("external_id", "name")),
    }
    return {
        "rules_list": [
            (r, *rule_sentence(r.when or {}, r.then or {}, names)) for r in Rule.objects.order_by("order", "name")
        ],
        "preview_limit": PREVIEW_LIMIT,
        **extra,
    }


@manager_required
@require_GET
def rules(request: HtmxHttpRequest) -> HttpResponse:
    form = SettingsForm(instance=DispatchSettings.load())
    return render(request, "dispatch/rules.html", _rules_context(form=form))


@manager_required
@require_POST
def settings_edit(request: HtmxHttpRequest) -> HttpResponse:
    """action=preview ranks the queue under the proposed settings; action=save stores them."""
    form = SettingsForm(request.POST, instance=DispatchSettings.load())
    action = request.POST.get("action", "save")
    if not form.is_valid():
        template = "dispatch/rules.html#settings" if request.htmx else "dispatch/rules.html"
        return render(request, template, _rules_context(form=form), status=422)
    if action == "preview":
        preview = queue_preview(proposed_settings=form.proposed())
        template = "dispatch/rules.html#settings" if request.htmx else "dispatch/rules.html"
        return render(request, template, _rules_context(form=form, preview=preview))
    form.proposed().save()
    cache.delete(DESK_ZONE_KEY)  # the desk's zone (pages' fallback display zone) may have changed
    messages.success(request, "Settings saved. New decisions use them from now on.")
    return redirect("dispatch:rules")


@manager_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HtmxHttpRequest, rule_id: int | None = None) -> HttpResponse:
    """One rule: GET the form; POST action=preview|save|delete."""
    rule = get_object_or_404(Rule, pk=rule_id) if rule_id else Rule(order=Rule.objects.count() + 1)
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "delete" and rule.pk:
        rule.delete()
        messages.success(request, f"Rule “{rule.name}” deleted.")
        return redirect("dispatch:rules")
    form = RuleForm(request.POST or None, instance=rule)
    context: dict[str, Any] = {"form": form, "rule": rule, "preview_limit": PREVIEW_LIMIT}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 422
        elif action == "preview":
            context["preview"] = queue_preview(proposed_rules=form.proposed_rules())
        else:
            saved = form.save()
            messages.success(request, f"Rule “{saved.name}” saved.")
            return redirect("dispatch:rules")
    template = "dispatch/rule_form.html#editor" if request.htmx else "dispatch/rule_form.html"
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- workspace files


# A workspace section's count, in the singular for one: "1 technician", "2 SLA policies".
SECTION_NOUNS = {
    "skills": ("skill", "skills"),
    "categories": ("category", "categories"),
    "technicians": ("technician", "technicians"),
    "sla_policies": ("SLA policy", "SLA policies"),
    "companies": ("company", "companies"),
    "rules": ("rule", "rules"),
    "tickets": ("ticket", "tickets"),
    "history": ("history record", "history records"),
}


def _counted(n: int, section: str) -> str:
    one, many = SECTION_NOUNS.get(section, (section.replace("_", " "),) * 2)
    return f"{n} {one if n == 1 else many}"


def _read_upload(upload: Any) -> dict[str, Any]:
    """Parse an uploaded workspace file with the same reader as the import command."""
    if upload.size is not None and upload.size > settings.WORKSPACE_MAX_BYTES:
        raise WorkspaceError([(upload.name, f"is {upload.size} bytes, larger than the {settings.WORKSPACE_MAX_BYTES} allowed")])
    suffix = Path(upload.name).suffix.lower() if upload.name else ".json"
    if suffix not in (".json", ".yaml", ".yml"):
        suffix = ".json"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        try:
            return load_workspace(path, max_bytes=settings.WORKSPACE_MAX_BYTES)
        except WorkspaceError as exc:
            raise WorkspaceError(
                [(upload.name if p == str(path) else p, m) for p, m in exc.problems]
            ) from exc


@manager_required
@require_POST
def workspace_upload(request: HtmxHttpRequest) -> HttpResponse:
    """Import a workspace file; a bad one changes nothing and lists its problems by path."""
    from skills.views import matrix_context

    form = WorkspaceUploadForm(request.POST, request.FILES)
    problems: list[tuple[str, str]] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            counts = workspace_import(_read_upload(upload), replace=form.cleaned_data["replace"])
        except WorkspaceError as exc:
            problems = exc.problems
        else:
            summary = ", ".join(_counted(n, name) for name, n in counts.items() if n) or "nothing"
            messages.success(request, f"Imported {upload.name}: {summary}.")
            return redirect("skills:matrix")
    context = {**matrix_context(), "upload_form": form, "problems": problems}
    template = "skills/matrix.html#workspace" if request.htmx else "skills/matrix.html"
    return render(request, template, context, status=400)


@manager_required
@require_GET
def workspace_download(request: HtmxHttpRequest) -> HttpResponse:
    body = json.dumps(workspace_export(), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workspace-{timezone.now():%Y%m%d-%H%M}.json"'
    return response
