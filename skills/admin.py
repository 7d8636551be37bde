from django.contrib import admin

from skills.models import Category, Certification, OnCall, Shift, Skill, Technician, TechnicianSkill, TimeOff


class TechnicianSkillInline(admin.TabularInline):
    model = TechnicianSkill
    extra = 1
    autocomplete_fields = ("skill",)


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 1


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


class OnCallInline(admin.TabularInline):
    model = OnCall
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "seniority", "timezone", "city", "onsite_capable", "max_active_tickets", "active")
    list_filter = ("active", "seniority", "onsite_capable", "timezone", "skill_levels__skill")
    search_fields = ("name", "external_id", "email", "city")
    filter_horizontal = ("certifications",)
    inlines = [TechnicianSkillInline, ShiftInline, TimeOffInline, OnCallInline]
    fieldsets = (
        (None, {"fields": ("external_id", "name", "email", "phone", "user", "active")}),
        ("Profile", {"fields": ("seniority", "hourly_cost", "languages", "certifications", "max_active_tickets")}),
        ("Location", {"fields": ("timezone", "city", "lat", "lon", "onsite_capable")}),
    )


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "group")
    list_filter = ("group",)
    search_fields = ("name", "group")


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "complexity", "auto_assign", "auto_assign_min_confidence")
    list_filter = ("complexity", "auto_assign")
    list_editable = ("auto_assign", "auto_assign_min_confidence")
    search_fields = ("name",)
    filter_horizontal = ("required_skills",)


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("technician", "start", "end", "reason")
    list_filter = ("technician",)
    date_hierarchy = "start"
    search_fields = ("technician__name", "reason")


@admin.register(OnCall)
class OnCallAdmin(admin.ModelAdmin):
    list_display = ("technician", "start", "end")
    list_filter = ("technician",)
    date_hierarchy = "start"
