"""The moderation engine: pure Python (stdlib, scikit-learn, numpy), no web framework, no database.

Entry point: `screen(submission, author, rules=..., model=..., config=..., flood_index=...)`.
"""
from .config import DEFAULT_CONFIG, EngineConfig
from .engine import screen
from .flood import FloodIndex
from .model import ModelBundle, default_model, load_latest, load_model, save_model, train_models
from .rules import DEFAULT_RULES, Enforcement, Rule, RuleSet, default_rules
from .types import (
    Action,
    AuthorFacts,
    Kind,
    RecentSubmission,
    Redaction,
    RuleHit,
    Submission,
    ThreadContext,
    Verdict,
)

__all__ = [
    "DEFAULT_CONFIG", "DEFAULT_RULES", "Action", "AuthorFacts", "Enforcement", "EngineConfig",
    "FloodIndex", "Kind", "ModelBundle", "RecentSubmission", "Redaction", "Rule", "RuleHit",
    "RuleSet", "Submission", "ThreadContext", "Verdict", "default_model", "default_rules",
    "load_latest", "load_model", "save_model", "screen", "train_models",
]
