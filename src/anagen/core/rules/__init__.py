"""Screening rules: one small function per knowledge-base rule (see contraindications.toml)."""

from anagen.core.rules import hair, history, patient
from anagen.core.rules.base import RULES, TREATMENT_RULES, Context, Finding, Need, Outcome

__all__ = ["RULES", "TREATMENT_RULES", "Context", "Finding", "Need", "Outcome"]

# The modules register their rules when imported.
_MODULES = (hair, history, patient)
