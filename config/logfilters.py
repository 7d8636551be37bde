"""Logging filters used by settings.LOGGING."""

from __future__ import annotations

import logging


class ForbiddenOneLine(logging.Filter):
    """Drop the traceback from 403 records ("Forbidden (Permission denied): /rules/"): the line
    says what was refused; the stack of a role check says nothing more."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
