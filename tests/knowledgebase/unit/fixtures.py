"""Small hand-written labelled set: questions customers repeat, plus ones that repeat nothing."""
from __future__ import annotations

from knowledgebase.similarity import Question

REPEATED = {
    "password": [
        "How do I reset my password?",
        "How can I reset my password",
        "Reset password link not working",
        "I forgot my password, how do I reset it?",
        "Password reset email never arrives",
    ],
    "delivery": [
        "Where is my order? It has not arrived",
        "My order has not arrived yet",
        "Order still not delivered after two weeks",
        "When will my order arrive?",
        "Has my order been shipped? It hasn't arrived",
    ],
    "refund": [
        "How do I get a refund for a broken item?",
        "Can I get a refund for my broken item",
        "Refund for broken item please",
        "How long does a refund take to reach my card?",
        "I want a refund, the item arrived broken",
    ],
    "battery": [
        "Battery drains very fast after the update",
        "Battery drains fast since the latest update",
        "Why does my battery drain so fast after updating?",
        "Phone battery draining quickly after update",
    ],
}

LONERS = [
    "Do you sell gift cards in Japan?",
    "Is the blue colour available in the large size?",
    "Who designed the new logo?",
    "Can I bring my dog to the store event on Saturday?",
]


def fixture_questions() -> tuple[list[Question], dict[int, str]]:
    """Questions with ids 1.. and the true group of each (loners get their own group)."""
    questions, truth = [], {}
    for group, titles in REPEATED.items():
        for title in titles:
            qid = len(questions) + 1
            questions.append(Question(qid, title))
            truth[qid] = group
    for i, title in enumerate(LONERS):
        qid = len(questions) + 1
        questions.append(Question(qid, title))
        truth[qid] = f"loner-{i}"
    return questions, truth
