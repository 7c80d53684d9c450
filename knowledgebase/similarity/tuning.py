"""Per-model settings: how questions are clustered and suggested with each embedding model.

Each model's vectors have their own scale (averaged WordLlama token vectors all lean one way;
MiniLM's spread out), so each mode has its own linkage thresholds, hybrid weight and
suggestion floor, chosen on validation data only (`python -m knowledgebase.evaluate
--validation`, `--sweep`; other linking rules tried in bench/kb_tune.py; the figures are in
bench/README.md) and never on the test splits that knowledgebase.evaluate reports.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from knowledgebase.similarity.clustering import ClusterConfig, LinkageParams
from knowledgebase.similarity.index import IndexConfig

LEXICAL = "lexical"
MINILM = "all-MiniLM-L6-v2"
WORDLLAMA = "wordllama-l2_supercat-256"


@dataclass(frozen=True)
class Tuning:
    """Clustering and suggestion settings for one embedding model (or none: lexical)."""

    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    min_score: float = 0.3  # a suggestion scoring below this is not shown
    # search's vector side (forum.search.fusion): results are ranked and read as a list, so
    # it reaches further than suggestions do; None means min_score
    search_min_score: float | None = None

    @property
    def search_floor(self) -> float:
        """The lowest vector score a search result may come in on."""
        return self.min_score if self.search_min_score is None else self.search_min_score


TUNINGS: dict[str, Tuning] = {
    LEXICAL: Tuning(),
    MINILM: Tuning(),
    WORDLLAMA: Tuning(
        cluster=ClusterConfig(
            semantic_share=0.8, center=False,
            hybrid=LinkageParams(threshold=0.50, min_similarity=0.30, pair_similarity=0.70,
                                 anchor_similarity=0.50)),
        index=IndexConfig(lexical_weight=0.2),
        min_score=0.35, search_min_score=0.20),
}


def tuning_for(model: str | None) -> Tuning:
    """The settings for a model name (an embedder's `name`); lexical when None or unknown."""
    return TUNINGS.get(model or LEXICAL, TUNINGS[LEXICAL])
