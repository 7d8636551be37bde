"""The last step the data-set converters share: validate, write, report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dispatch.workspace.schema import dump_document, validate_workspace


def workspace_write(doc: dict[str, Any], stats: dict[str, Any], out: Path, started: float) -> int:
    """Validate the converted workspace (a bad conversion fails here, not at import), write it,
    print what was converted and how long it took; returns the exit code."""
    validate_workspace(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_document(doc), encoding="utf-8")
    stats["seconds"] = round(time.monotonic() - started, 1)
    print(f"wrote {out}: {stats}")
    return 0
