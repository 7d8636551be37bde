"""Validation of a rule's `when`/`then` per contracts/workspace.md, shared by the admin
form, the rules page and the workspace importer: the workspace schema's own rule parser
(dispatch.workspace.schema.rule_problems) is the one validator."""

from __future__ import annotations

from dispatch.engine.types import RULE_ACTIONS, RULE_WHEN_KEYS
from dispatch.workspace.schema import rule_problems

WHEN_KEYS = RULE_WHEN_KEYS
THEN_KEYS = RULE_ACTIONS

__all__ = ["THEN_KEYS", "WHEN_KEYS", "rule_problems"]
