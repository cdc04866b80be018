"""Why an escalation rule is refused; the message says what to fix."""

from __future__ import annotations


class InvalidRule(ValueError):
    """A rule the owner has to correct before it is stored; nothing was written."""
