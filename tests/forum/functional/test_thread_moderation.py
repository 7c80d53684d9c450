"""The thread page when its question is held or hidden, for its author, a participant, an
outsider and a moderator (screening on): a once-public thread keeps its URL and replies."""
import pytest
from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Post, PostStatus, Role
from moderation import services as moderation
from moderation.models import ReviewItem
from tests.conftest import _empty_tables, count_queries, login

QUESTION = "My router reboots every night at 3am and drops every device on the network."
HIDDEN_WORDS = "reboots every night at 3am"
OTHER_QUESTIONS = [("Where is the manual for the X200?", "I lost the paper one."),
                   ("Can I pause my plan over summer?", "Travelling from June to August.")]


@pytest.fixture
def app(make_app):
    """Screening on, so that holds, rejections and notices come from the real screener."""
    application = make_app(MODERATION_ENABLED=True)
    with application.app_context():
        _empty_tables()
        yield application
        db.session.remove()


@pytest.fixture
def people(factory):
    return {
        "author": factory.user("asker"),
        "participant": factory.user("helper"),
        "outsider": factory.user("reader"),
        "moderator": factory.user("mod", role=Role.MODERATOR),
    }


def _hidden_question_thread(factory, people, replies: int = 1, *,
                            title: str = "Router reboots every night", body: str = QUESTION):
    """A published, answered question that a moderator then removed under R1."""
    thread = factory.thread(people["author"], title=title, body=body)
    for n in range(replies):
        factory.reply(thread, people["participant"], body=f"Try a new power adapter ({n}).")
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id,
                                                    Post.number == 1))
    moderation.flag_post(question, actor=people["outsider"], reason="abuse",
                         text="Rude to staff.")
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == question.id))
    moderation.reject(item, actor=people["moderator"], rule="R1", message="Please be civil.")
    return thread


def _held_new_thread(factory, people):
    """A new thread held on submission (it was never public)."""
    spam = "Great deals on cheap watches and bags, visit our shop today for the best prices"
    for n, (title, body) in enumerate(OTHER_QUESTIONS):
        other = factory.thread(title=title, body=body)
        factory.reply(other, people["author"], body=f"{spam} {n}")
    thread = services.create_thread(author=people["author"], title="Great deals on watches",
                                    body=spam + " ever", category=factory.category())
    assert thread.status is PostStatus.HELD and thread.published_at is None
    return thread


def _page(client, thread, user=None):
    if user is not None:
        login(client, user)
    return client.get(f"/t/{thread.id}")


@pytest.mark.parametrize("who", ["outsider", "participant", None])
def test_thread_question_hidden_others_see_replies_and_a_notice(client, factory, people, who):
    thread = _hidden_question_thread(factory, people)
    response = _page(client, thread, people.get(who))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This question is hidden while moderators review it under" in html
    assert "R1" in html and HIDDEN_WORDS not in html
    assert "Try a new power adapter (0)." in html
    assert "Replies are paused" in html


def test_thread_question_hidden_author_and_moderator_see_text(client, factory, people):
    thread = _hidden_question_thread(factory, people)
    for who in ("author", "moderator"):
        html = _page(client, thread, people[who]).get_data(as_text=True)
        assert HIDDEN_WORDS in html and "Try a new power adapter (0)." in html
        client.post("/logout")


def test_thread_question_hidden_permalink_opens_thread(client, factory, people):
    thread = _hidden_question_thread(factory, people)
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id,
                                                    Post.number == 1))
    response = client.get(f"/p/{question.id}")
    assert response.status_code == 302 and f"/t/{thread.id}" in response.headers["Location"]


def test_thread_held_on_submission_author_told_waiting_for_review(client, factory, people):
    thread = _held_new_thread(factory, people)
    html = _page(client, thread, people["author"]).get_data(as_text=True)
    assert "Waiting for review" in html and "Replies are closed" not in html


def test_thread_held_on_submission_hidden_from_outsiders(client, factory, people):
    thread = _held_new_thread(factory, people)
    assert _page(client, thread).status_code == 404
    assert _page(client, thread, people["outsider"]).status_code == 404


def test_thread_held_on_submission_moderator_sees_it(client, factory, people):
    thread = _held_new_thread(factory, people)
    response = _page(client, thread, people["moderator"])
    assert response.status_code == 200 and "Waiting for review" in response.get_data(True)


def test_thread_held_edit_author_sees_waiting_notice_and_old_text(client, factory, people):
    thread = factory.thread(people["author"], body=QUESTION)
    post = factory.reply(thread, people["participant"], body="The reset worked for me.")
    # the same text posted in other threads first: the edit is held as a flood
    copy = ("Has anyone else seen the hub drop every evening around nine since the last "
            "firmware update? Mine reconnects after")
    for n, (title, body) in enumerate(OTHER_QUESTIONS):
        other = factory.thread(title=title, body=body)
        factory.reply(other, people["participant"], body=f"{copy} {n + 1} minutes")
    services.edit_post(post, actor=people["participant"], body=copy + " 7 minutes")
    html = _page(client, thread, people["participant"]).get_data(as_text=True)
    assert "Your edit is waiting for review." in html and "The reset worked for me." in html
    edit = client.get(f"/p/{post.id}/edit").get_data(as_text=True)
    assert "Your edit is waiting for review." in edit and copy + " 7" in edit
    client.post("/logout")
    html = _page(client, thread, people["outsider"]).get_data(as_text=True)
    assert "The reset worked for me." in html and "waiting for review" not in html


def test_thread_redacted_post_notice_beside_post(client, factory, people):
    thread = factory.thread(people["author"], body=QUESTION)
    factory.reply(thread, people["participant"],
                  body="My card 4111 1111 1111 1111 was charged twice, please help")
    html = _page(client, thread).get_data(as_text=True)
    assert "Some private details were removed from this post" in html
    assert "4111 1111" not in html


def test_thread_question_hidden_queries_do_not_grow_with_replies(client, factory, people):
    small = _hidden_question_thread(factory, people, replies=2)
    large = _hidden_question_thread(factory, people, replies=8, title="Invoice shows two fees",
                                    body="Why does my March invoice list the setup fee twice?")
    login(client, people["outsider"])
    counts = []
    for thread in (small, large):
        client.get(f"/t/{thread.id}")  # warm caches (rules, model)
        with count_queries() as statements:
            assert client.get(f"/t/{thread.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
