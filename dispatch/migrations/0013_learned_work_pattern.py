# Learned capacity and working hours per technician (issue 12, item 6).

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0012_sla_deadlines"),
        ("skills", "0002_timeoff_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LearnedWorkPattern",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("capacity", models.PositiveIntegerField(blank=True, help_text="Learned; empty: too little history", null=True)),
                ("capacity_samples", models.PositiveIntegerField(default=0)),
                ("capacity_median", models.FloatField(blank=True, null=True)),
                ("hours", models.JSONField(blank=True, help_text="Learned: days, start, end (local), share, events", null=True)),
                ("capacity_confirmed", models.PositiveIntegerField(blank=True, help_text="Set by a manager (confirm or override)", null=True, validators=[django.core.validators.MinValueValidator(1)])),
                ("hours_confirmed", models.JSONField(blank=True, null=True)),
                ("hours_ignored", models.BooleanField(default=False)),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                ("model_version", models.CharField(blank=True, max_length=50)),
                ("reviewed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("technician", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="work_pattern", to="skills.technician")),
            ],
        ),
    ]
