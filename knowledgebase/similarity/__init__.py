"""Pure similarity core of the knowledge base: suggestions, repeated-question clusters.

Plain data in, plain data out: questions are `Question(id, title, body)` or (id, title[, body])
tuples; results are `Match(id, score)` and `Cluster(ids, suggested_title, ...)`. Only the
standard library, numpy, scipy and scikit-learn are imported here; the optional semantic
mode's models are loaded lazily: WordLlamaEmbedder (the default: numpy, tokenizers and
safetensors) and SentenceTransformerEmbedder (the optional MiniLM extra).
"""
from knowledgebase.similarity.clustering import (
    ClusterConfig,
    clean_title,
    cluster_questions,
    question_vectors,
)
from knowledgebase.similarity.index import IndexConfig, SuggestionIndex
from knowledgebase.similarity.lexical import LexicalConfig, LexicalVectorizer
from knowledgebase.similarity.neighbours import NeighbourConfig, nearest
from knowledgebase.similarity.semantic import (
    SentenceTransformerEmbedder,
    WordLlamaEmbedder,
    embed_query,
    embed_questions,
    question_text,
    semantic_available,
    wordllama_available,
)
from knowledgebase.similarity.types import Cluster, Embedder, Match, Question

__all__ = [
    "Cluster",
    "ClusterConfig",
    "Embedder",
    "IndexConfig",
    "LexicalConfig",
    "LexicalVectorizer",
    "Match",
    "NeighbourConfig",
    "Question",
    "SentenceTransformerEmbedder",
    "SuggestionIndex",
    "WordLlamaEmbedder",
    "clean_title",
    "cluster_questions",
    "embed_query",
    "embed_questions",
    "nearest",
    "question_text",
    "question_vectors",
    "semantic_available",
    "wordllama_available",
]
