"""Workspace files (contracts/workspace.md): loading, validation and the normalised dataclasses.

Pure Python: nothing in this package imports Django. The DB import/export commands build
on `validate_workspace` (file -> `Workspace`) and `to_document` (`Workspace` -> file).
"""

from dispatch.workspace.schema import (
    Category,
    Company,
    HistoryTicket,
    Skill,
    SlaPolicy,
    Technician,
    Ticket,
    Workspace,
    WorkspaceError,
    dump_document,
    load_workspace,
    read_workspace,
    to_document,
    validate_workspace,
)

__all__ = [
    "Category",
    "Company",
    "HistoryTicket",
    "Skill",
    "SlaPolicy",
    "Technician",
    "Ticket",
    "Workspace",
    "WorkspaceError",
    "dump_document",
    "load_workspace",
    "read_workspace",
    "to_document",
    "validate_workspace",
]
