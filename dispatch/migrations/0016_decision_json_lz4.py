"""A decision's large JSON columns (its document, candidates and inputs: ~60 KB a suggestion)
compressed with lz4 instead of PostgreSQL's default pglz where the server has it: writing a
decision costs ~0.3 ms less per column (docs/speed.md), for about the same size on disk. Rows
written before keep their compression until rewritten. Nothing to do on other databases."""

from __future__ import annotations

from typing import Any

from django.db import migrations

COLUMNS = ("document", "candidates", "inputs")


def _set(method: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cursor.fetchone()
            if row is None or method not in (row[0] or []):
                return  # a server built without lz4 keeps pglz
            table = connection.ops.quote_name(apps.get_model("dispatch", "Decision")._meta.db_table)
            for column in COLUMNS:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {connection.ops.quote_name(column)} SET COMPRESSION {method}")

    return run


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0015_fitted_weights")]

    operations = [migrations.RunPython(_set("lz4"), _set("pglz"), elidable=True)]
