from django.db import migrations, models


def bind_existing(apps, schema_editor):
    """Credentials stored before this field existed go to the URL they are configured for now."""
    PsaConnection = apps.get_model("psa", "PsaConnection")
    for connection in PsaConnection.objects.all():
        if connection.credentials_encrypted or connection.credentials_env:
            target = f"{connection.base_url.rstrip('/')}|{connection.credentials_env}"[:200]
            PsaConnection.objects.filter(pk=connection.pk).update(credentials_url=target)


class Migration(migrations.Migration):
    dependencies = [("psa", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="psaconnection",
            name="credentials_url",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(bind_existing, migrations.RunPython.noop),
    ]
