"""Forum pages through the test client: browsing, the thread page, posting and its actions,
profiles, notifications and search."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import metrics, services
from forum.extensions import db
from forum.models import Notification, Post, PostStatus, Role, Subscription, Thread, utcnow
from tests.conftest import count_queries, login


def _html(response) -> str:
    return response.get_data(as_text=True)


def _question(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _bulk_replies(thread, author, n: int) -> None:
    """Many replies fast (straight rows, one commit): only the page's query count matters."""
    db.session.add_all(
        Post(thread_id=thread.id, number=i + 2, author_id=author.id, body_source=f"reply {i}",
             body_html=f"<p>reply {i}</p>")
        for i in range(n)
    )
    thread.reply_count += n
    db.session.commit()


@pytest.fixture
def alice(factory):
    """A customer who asks questions."""
    return factory.user("alice", display_name="Alice Asker")


@pytest.fixture
def question(factory, alice):
    """Alice's published question in a described category."""
    category = factory.category("Routers", "Wi-Fi, cables and blinking lights")
    return factory.thread(alice, title="How do I reset my router?", body="It **blinks** red.",
                          category=category)


# -- browsing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/", "/threads", "/threads?tab=unanswered", "/threads?tab=solved", "/threads?tab=active",
    "/threads?tab=bogus", "/threads?page=abc", "/threads?page=99", "/search", "/login",
    "/register", "/forgot",
])
def test_public_page_anonymous_renders(client, question, path):
    assert client.get(path).status_code == 200


def test_object_pages_anonymous_render(client, question):
    for path in (f"/c/{question.category.slug}", f"/t/{question.id}",
                 f"/t/{question.id}/how-do-i-reset-my-router", "/u/alice",
                 f"/p/{_question(question).id}/history"):
        assert client.get(path).status_code == 200, path


def test_signed_in_pages_render(client, question, alice):
    login(client, alice)
    for path in ("/", "/ask", "/settings", "/notifications", f"/t/{question.id}",
                 f"/p/{_question(question).id}/edit"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("path", ["/t/999", "/c/no-such-category", "/u/nobody", "/p/999",
                                  "/p/999/history", "/no/such/page"])
def test_unknown_object_gives_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Back to the community" in _html(response)


def test_home_lists_categories_with_counts_and_latest_threads(client, question):
    html = _html(client.get("/"))
    assert "Routers" in html and "Wi-Fi, cables and blinking lights" in html
    assert "1 question" in html
    assert "How do I reset my router?" in html


def test_thread_list_row_shows_author_category_counts_and_solved(client, factory, question):
    post = factory.reply(question)
    services.accept_answer(post, actor=question.author)
    html = _html(client.get("/threads"))
    assert "Alice Asker" in html and "Routers" in html
    assert "Solved" in html and "<strong>1</strong><span>reply</span>" in html
    assert "just now</time>" in html


def test_thread_list_tabs_filter_threads(client, factory, question):
    answered = factory.thread(title="Why is the fan so loud today?")
    services.accept_answer(factory.reply(answered), actor=answered.author)
    unanswered = _html(client.get("/threads?tab=unanswered"))
    solved = _html(client.get("/threads?tab=solved"))
    assert "How do I reset my router?" in unanswered and "fan so loud" not in unanswered
    assert "fan so loud" in solved and "reset my router" not in solved


def test_category_page_shows_only_its_threads(client, factory, question):
    factory.thread(title="Question in another category?")
    html = _html(client.get(f"/c/{question.category.slug}"))
    assert "How do I reset my router?" in html
    assert "another category" not in html


def test_thread_list_paginates(app, client, factory):
    category = factory.category("Billing")
    for n in range(3):
        factory.thread(title=f"Billing question number {n}?", category=category)
    app.config["THREADS_PER_PAGE"] = 2
    first, second = _html(client.get("/threads")), _html(client.get("/threads?page=2"))
    assert "number 2?" in first and "number 0?" not in first
    assert "number 0?" in second and 'aria-current="page">2<' in second


# -- the thread page ---------------------------------------------------------------------------
def test_thread_page_counts_a_view(client, question):
    client.get(f"/t/{question.id}")
    client.get(f"/t/{question.id}")
    assert services.flush_views() == 2
    db.session.refresh(question)
    assert question.view_count == 2


def test_thread_page_view_count_writes_nothing_until_flush(client, question):
    client.get(f"/t/{question.id}")  # warm up: side boxes may keep what a first view found
    with count_queries() as statements:
        assert client.get(f"/t/{question.id}").status_code == 200
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []


def test_thread_page_shows_accepted_answer_first_and_marked(client, factory, question):
    factory.reply(question, body="First reply, not the answer.")
    answer = factory.reply(question, body="Hold the reset button for ten seconds.")
    services.accept_answer(answer, actor=question.author)
    html = _html(client.get(f"/t/{question.id}"))
    assert html.index("ten seconds") < html.index("First reply")
    assert "Accepted answer" in html


def test_thread_page_staff_reply_shows_role_badge(client, factory, question):
    factory.reply(question, factory.user("sam", role=Role.STAFF, display_name="Sam"))
    html = _html(client.get(f"/t/{question.id}"))
    assert "Support team" in html and "Sam" in html


def test_thread_page_mention_links_to_profile(client, factory, question):
    factory.reply(question, body="Ask @alice about it.")
    assert 'href="/u/alice"' in _html(client.get(f"/t/{question.id}"))


def test_thread_page_paginates_replies_and_permalink_finds_page(app, client, factory, question):
    replies = [factory.reply(question, body=f"Reply body number {n}") for n in range(5)]
    app.config["POSTS_PER_PAGE"] = 2
    third = _html(client.get(f"/t/{question.id}?page=3"))
    assert "number 4" in third and "number 0" not in third
    location = client.get(f"/p/{replies[4].id}").headers["Location"]
    assert "page=3" in location and location.endswith(f"#post-{replies[4].id}")


def test_thread_page_query_count_does_not_grow_with_replies(client, factory):
    helper = factory.user()
    small, large = factory.thread(), factory.thread()
    _bulk_replies(small, helper, 5)
    _bulk_replies(large, helper, 200)
    login(client, factory.user())
    paths = (f"/t/{small.id}", f"/t/{large.id}", f"/t/{large.id}?page=10")
    for path in paths:  # warm up: first-view work (side boxes keeping results) is not the page's
        client.get(path)
    counts = []
    for path in paths:
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2], counts


# -- asking and replying -----------------------------------------------------------------------
def test_ask_valid_form_creates_thread_and_redirects(client, factory, alice):
    category = factory.category("Accounts")
    login(client, alice)
    response = client.post("/ask", data={
        "title": "How do I change my email address?", "category": category.id,
        "body": "I moved to a new provider.", "client_token": "tok-ask-1",
    })
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert thread.title == "How do I change my email address?"
    assert response.headers["Location"].endswith(f"/t/{thread.id}/how-do-i-change-my-email-address")


def test_ask_same_client_token_twice_creates_one_thread(client, factory, alice):
    category = factory.category("Accounts")
    login(client, alice)
    data = {"title": "Double clicked the submit button?", "category": category.id,
            "body": "Oops.", "client_token": "tok-double"}
    first, second = client.post("/ask", data=data), client.post("/ask", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Thread) == 1


def test_ask_form_renders_fresh_client_token(client, factory, alice):
    factory.category()
    login(client, alice)
    tokens = [re.search(r'name="client_token" type="hidden" value="([0-9a-f]{32})"',
                        _html(client.get("/ask"))).group(1) for _ in range(2)]
    assert tokens[0] != tokens[1]


def test_ask_page_promises_the_measured_first_answer_time(client, factory, alice, monkeypatch):
    monkeypatch.setattr(metrics, "_TYPICAL", {})
    category, helper = factory.category(), factory.user("helper")
    start = utcnow() - timedelta(days=2)
    login(client, alice)
    before = _html(client.get("/ask"))
    monkeypatch.setattr(metrics, "_TYPICAL", {})
    for n, wait in enumerate([20, 40, 45, 50, 300]):
        thread = services.create_thread(author=alice, title=f"Measured question {n}", body="b",
                                        category=category, created_at=start)
        services.reply(thread, author=helper, body="answer",
                       created_at=start + timedelta(minutes=wait))

    after = _html(client.get("/ask"))

    assert "first answer within" not in before and "sees every question" in before
    assert "had a first answer within 45 minutes" in after


def test_ask_invalid_form_keeps_everything_typed(client, factory, alice):
    category = factory.category("Accounts")
    login(client, alice)
    response = client.post("/ask", data={
        "title": "Help", "category": category.id, "body": "My long and careful description.",
        "client_token": "tok-keep",
    })
    html = _html(response)
    assert response.status_code == 400
    assert "at least 8 characters" in html
    assert 'value="Help"' in html and "My long and careful description." in html
    assert f'<option selected value="{category.id}">' in html
    assert 'value="tok-keep"' in html
    assert _count(Thread) == 0


def test_ask_without_category_shows_error_beside_field(client, factory, alice):
    factory.category()
    login(client, alice)
    response = client.post("/ask", data={"title": "A question without a category?",
                                         "category": "", "body": "Body."})
    assert response.status_code == 400
    assert "Please choose a category." in _html(response)


def test_ask_anonymous_redirects_to_login(client):
    response = client.get("/ask")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_reply_valid_form_creates_post_and_redirects_to_it(client, factory, question):
    login(client, factory.user("bob"))
    response = client.post(f"/t/{question.id}/reply",
                           data={"body": "Unplug it for a minute.", "client_token": "r1"})
    post = db.session.scalar(select(Post).where(Post.number == 2))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#post-{post.id}")
    assert post.body_source == "Unplug it for a minute."


def test_reply_same_client_token_twice_creates_one_post(client, factory, question):
    login(client, factory.user("bob"))
    for _ in range(2):
        client.post(f"/t/{question.id}/reply", data={"body": "Only once.", "client_token": "r2"})
    assert _count(Post, Post.thread_id == question.id) == 2  # question + one reply


def test_reply_empty_body_shows_error_and_keeps_thread(client, factory, question):
    login(client, factory.user("bob"))
    response = client.post(f"/t/{question.id}/reply", data={"body": "   ", "client_token": "r3"})
    assert response.status_code == 400
    html = _html(response)
    assert "How do I reset my router?" in html and "field-errors" in html


def test_thread_page_quote_prefills_reply_box(client, factory, question):
    login(client, factory.user("bob"))
    html = _html(client.get(f"/t/{question.id}?quote={_question(question).id}"))
    assert "&gt; **@alice** wrote:" in html and "&gt; It **blinks** red." in html


def test_thread_page_anonymous_sees_sign_in_instead_of_reply_box(client, question):
    html = _html(client.get(f"/t/{question.id}"))
    assert "Sign in to answer" in html and 'name="client_token"' not in html


# -- editing, deleting, history ----------------------------------------------------------------
def test_edit_question_changes_title_and_body_and_marks_edited(client, question, alice):
    login(client, alice)
    post = _question(question)
    response = client.post(f"/p/{post.id}/edit", data={
        "title": "How do I factory reset my router?", "body": "It blinks **orange** now."})
    assert response.status_code == 303
    db.session.refresh(question)
    assert question.title == "How do I factory reset my router?"
    html = _html(client.get(f"/t/{question.id}"))
    assert "edited" in html and f"/p/{post.id}/history" in html


def test_edit_invalid_title_keeps_typed_text(client, question, alice):
    login(client, alice)
    response = client.post(f"/p/{_question(question).id}/edit",
                           data={"title": "Short", "body": "Brand new careful body."})
    assert response.status_code == 400
    assert "Brand new careful body." in _html(response) and 'value="Short"' in _html(response)


def test_edit_someone_elses_post_is_forbidden(client, factory, question):
    login(client, factory.user("mallory"))
    post = _question(question)
    assert client.get(f"/p/{post.id}/edit").status_code == 403
    response = client.post(f"/p/{post.id}/edit", data={"body": "defaced"})
    assert response.status_code == 403
    assert post.body_source == "It **blinks** red."


def test_history_lists_revisions_with_line_diff(client, question, alice):
    post = _question(question)
    services.edit_post(post, actor=alice, body="line one\nline two", title=None)
    services.edit_post(post, actor=alice, body="line one\nline 2", title=None)
    html = _html(client.get(f"/p/{post.id}/history"))
    assert html.count('class="revision card"') == 3
    assert re.search(r'diff-add">\+ line 2<', html)
    assert re.search(r'diff-del">- line two<', html)


def test_delete_own_reply_shows_deleted_placeholder(client, factory, question):
    bob = factory.user("bob")
    post = factory.reply(question, bob, body="Regrettable words.")
    login(client, bob)
    assert client.post(f"/p/{post.id}/delete").status_code == 303
    assert post.status is PostStatus.DELETED
    html = _html(client.get(f"/t/{question.id}"))
    assert "deleted by its author" in html and "Regrettable words." not in html


def test_delete_someone_elses_post_is_forbidden(client, factory, question):
    login(client, factory.user("mallory"))
    assert client.post(f"/p/{_question(question).id}/delete").status_code == 403
    assert _question(question).status is PostStatus.PUBLISHED


# -- accept, vote, follow ----------------------------------------------------------------------
def test_accept_and_unaccept_by_asker(client, factory, question, alice):
    post = factory.reply(question)
    login(client, alice)
    assert client.post(f"/p/{post.id}/accept").status_code == 303
    assert question.accepted_post_id == post.id
    assert client.post(f"/t/{question.id}/unaccept").status_code == 303
    assert question.accepted_post_id is None


def test_accept_by_other_customer_gives_403_page(client, factory, question):
    post = factory.reply(question)
    login(client, factory.user("mallory"))
    response = client.post(f"/p/{post.id}/accept")
    assert response.status_code == 403
    assert "Only the person who asked" in _html(response)
    assert question.accepted_post_id is None


def test_vote_and_unvote_change_helpful_count(client, factory, question):
    post = factory.reply(question)
    login(client, factory.user("voter"))
    client.post(f"/p/{post.id}/vote")
    db.session.refresh(post)
    assert post.helpful_count == 1
    assert "vote-count\">1<" in _html(client.get(f"/t/{question.id}"))
    client.post(f"/p/{post.id}/unvote")
    db.session.refresh(post)
    assert post.helpful_count == 0


def test_vote_on_own_post_gives_403_with_reason(client, factory, question):
    bob = factory.user("bob")
    post = factory.reply(question, bob)
    login(client, bob)
    response = client.post(f"/p/{post.id}/vote")
    assert response.status_code == 403
    assert "You cannot vote for your own post." in _html(response)


def test_follow_and_unfollow_thread(client, factory, question):
    bob = factory.user("bob")
    login(client, bob)
    following = (Subscription.user_id == bob.id, Subscription.thread_id == question.id)
    client.post(f"/t/{question.id}/follow")
    assert _count(Subscription, *following) == 1
    assert "Following" in _html(client.get(f"/t/{question.id}"))
    client.post(f"/t/{question.id}/unfollow")
    assert _count(Subscription, *following) == 0


def test_action_anonymous_redirects_to_login(client, factory, question):
    post = factory.reply(question)
    response = client.post(f"/p/{post.id}/vote")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- people and notifications ------------------------------------------------------------------
def test_profile_shows_name_badge_counts_and_questions(client, factory):
    sam = factory.user("sam", role=Role.MODERATOR, display_name="Sam Support")
    factory.thread(sam, title="Where are the community rules?")
    html = _html(client.get("/u/SAM"))
    assert "Sam Support" in html and "Moderator" in html and "@sam" in html
    assert "Where are the community rules?" in html and "Joined" in html


def test_header_shows_unread_count_and_page_lists_notifications(client, factory, question, alice):
    factory.reply(question, factory.user("bob", display_name="Bob"))
    login(client, alice)
    html = _html(client.get("/"))
    assert 'class="unread-count">1<' in html
    page = _html(client.get("/notifications"))
    assert "Bob" in page and "replied in" in page and "How do I reset my router?" in page


def test_mark_all_read_clears_unread_count(client, factory, question, alice):
    factory.reply(question)
    login(client, alice)
    assert client.post("/notifications/read").status_code == 303
    assert _count(Notification, Notification.read_at.is_(None)) == 0
    assert "unread-count" not in _html(client.get("/"))


def test_open_notification_marks_it_read_and_goes_to_post(client, factory, question, alice):
    post = factory.reply(question)
    note = db.session.scalar(select(Notification))
    login(client, alice)
    response = client.get(f"/notifications/{note.id}")
    assert response.headers["Location"] == f"/p/{post.id}"
    db.session.refresh(note)
    assert note.read_at is not None


def test_open_someone_elses_notification_is_404(client, factory, question):
    factory.reply(question)
    note = db.session.scalar(select(Notification))
    login(client, factory.user("mallory"))
    assert client.get(f"/notifications/{note.id}").status_code == 404


# -- search ------------------------------------------------------------------------------------
def test_search_shows_title_snippet_category_and_solved(client, factory, question):
    services.accept_answer(factory.reply(question, body="Press the pinhole button."),
                           actor=question.author)
    html = _html(client.get("/search?q=pinhole"))
    assert "How do I reset my router?" in html
    assert "<mark>pinhole</mark>" in html
    assert "Routers" in html and "Solved" in html


def test_search_marks_matched_words_in_result_title(client, question):
    html = _html(client.get("/search?q=reset"))

    assert '<mark>reset</mark> my router?</a></h3>' in html


def test_search_filters_by_category_and_solved(client, factory, question):
    other = factory.thread(title="Router lights in the other category?",
                           body="My router lights are off.")
    by_category = _html(client.get(f"/search?q=router&category={other.category_id}"))
    unsolved = _html(client.get("/search?q=router&solved=yes"))
    assert "other category" in by_category and "How do I reset" not in by_category
    assert "No questions match" in unsolved


def test_search_partial_matches_say_so(client, question):
    html = _html(client.get("/search?q=router+zebra"))
    assert "No result had every word; showing partial matches" in html
    assert "How do I reset my <mark>router</mark>?" in html


def test_search_paginates(app, client, factory):
    category = factory.category()
    for n in range(3):
        factory.thread(title=f"Printer jam number {n} again?", category=category)
    app.config["SEARCH_PER_PAGE"] = 2
    html = _html(client.get("/search?q=printer&page=2"))
    assert html.count('class="search-hit"') == 1 and "page 2 of 2" in html


@pytest.mark.parametrize("query", ["", "***", "((", ")(*&^%$", "x" * 5000, "a b " * 2000,
                                   "\x00\x01", "OR AND NOT", "title:foo*"])
def test_search_empty_or_junk_query_renders_helpful_page(client, question, query):
    response = client.get("/search", query_string={"q": query, "page": "-3"})
    assert response.status_code == 200
    assert "Search" in _html(response)


def test_search_symbols_only_explains_what_to_type(client):
    assert "only symbols or punctuation" in _html(client.get("/search?q=%2A%2A%2A"))


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_held_reply_cannot_be_accepted_or_voted_by_those_who_can_see_it(client, factory, question,
                                                                        role):
    # a post waiting for review must never reach readers as "Accepted answer"
    held = factory.reply(question, factory.user("troll"))
    held.status = PostStatus.HELD
    db.session.commit()
    login(client, factory.user("mod", role=role))
    page = _html(client.get(f"/t/{question.id}"))
    assert f"/p/{held.id}/accept" not in page and f"/p/{held.id}/vote" not in page
    assert client.post(f"/p/{held.id}/accept").status_code == 403
    assert client.post(f"/p/{held.id}/vote").status_code == 403
    db.session.refresh(held)
    assert question.accepted_post_id is None and held.helpful_count == 0
