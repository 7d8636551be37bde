"""How a decision's large JSON columns are stored (migration 0016)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from dispatch.models import Decision


@pytest.mark.django_db
def test_the_large_json_columns_are_compressed_with_lz4_where_the_server_has_it(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's column compression")
    with connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        if "lz4" not in (cursor.fetchone()[0] or []):
            pytest.skip("this server was built without lz4")
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attname IN "
            "('document', 'candidates', 'inputs', 'waiting')",
            [Decision._meta.db_table],
        )
        found = dict(cursor.fetchall())
    assert found == {"document": "l", "candidates": "l", "inputs": "l", "waiting": ""}
