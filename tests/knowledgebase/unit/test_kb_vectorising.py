"""Lexical vectors: titles outweigh bodies, typos still match, queries share the vocabulary."""
import numpy as np

from knowledgebase.similarity import LexicalConfig, LexicalVectorizer, Question


def _cos(a, b) -> float:
    return float((a @ b.T).toarray()[0, 0])


def test_vectorizer_rows_are_unit_length():
    questions = [Question(1, "Reset my password"), Question(2, "Where is my order?", "Late")]
    matrix = LexicalVectorizer().fit(questions).transform(questions)
    assert np.allclose(np.sqrt(matrix.multiply(matrix).sum(axis=1)).A.ravel(), 1.0, atol=1e-5)


def test_vectorizer_typo_still_close_to_original():
    vec = LexicalVectorizer().fit([Question(1, "password reset"), Question(2, "order status")])
    original, typo, other = vec.transform_texts(["password reset", "pasword reset",
                                                  "order status"])
    assert _cos(original, typo) > 0.6 > _cos(original, other)


def test_vectorizer_title_weighs_more_than_body():
    vec = LexicalVectorizer(LexicalConfig(body_weight=0.5))
    questions = [Question(1, "refund for broken item", "my parcel arrived late"),
                 Question(2, "my parcel arrived late", "refund for broken item")]
    rows = vec.fit(questions).transform(questions)
    query = vec.transform_texts(["refund for broken item"])
    assert _cos(query, rows[0]) > _cos(query, rows[1])


def test_vectorizer_empty_and_punctuation_only_text_gives_zero_row():
    vec = LexicalVectorizer().fit([Question(1, "?!"), Question(2, "")])
    assert vec.transform_texts([""]).nnz == 0


def test_vectorizer_unknown_words_do_not_fail():
    vec = LexicalVectorizer().fit([Question(1, "reset password")])
    assert vec.transform_texts(["zzzz qqqq"]).shape[1] == vec.n_features


def test_vectorizer_fit_transform_equals_fit_then_transform():
    questions = [Question(1, "Reset my password", "The link in the email expired"),
                 Question(2, "Where is my order?", "   "),
                 Question(3, "Refund for a broken item"),
                 Question(4, "Password reset link expired", "Sent twice, still expired")]
    together = LexicalVectorizer().fit_transform(questions)
    apart = LexicalVectorizer().fit(questions).transform(questions)
    assert together.shape == apart.shape
    assert abs(together - apart).max() == 0


def test_vectorizer_fit_transform_blank_corpus_gives_zero_rows():
    questions = [Question(1, "  "), Question(2, "", "  ")]
    rows = LexicalVectorizer().fit_transform(questions)
    assert rows.shape[0] == 2 and rows.nnz == 0
