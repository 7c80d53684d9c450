"""Extension points: a feature adds HTML to the forum's pages without the forum importing it."""
from __future__ import annotations

import pytest
from markupsafe import Markup, escape

from forum import hooks
from tests.conftest import count_queries, login


def test_hooks_register_unknown_point_refused(app):
    with pytest.raises(ValueError, match="unknown extension point"):
        hooks.register(app, "thread_footer", lambda thread: "x")


def test_hooks_thread_page_shows_banner_sidebar_post_and_reply_tools(app, client, factory):
    thread = factory.thread(title="Router keeps dropping the line")
    factory.reply(thread)
    hooks.register(app, "thread_banner", lambda t: Markup(f"<p id='banner'>{t.id}</p>"))
    hooks.register(app, "thread_sidebar", lambda t: Markup("<p id='side'>side</p>"))
    hooks.register(app, "post_tools", lambda p: Markup(f"<a class='tool'>{p.number}</a>"))
    hooks.register(app, "reply_tools", lambda t: Markup("<p id='reply-tool'>saved</p>"))
    login(client, factory.user())
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"<p id='banner'>{thread.id}</p>" in page
    assert "<p id='side'>side</p>" in page
    assert "<a class='tool'>1</a>" in page and "<a class='tool'>2</a>" in page
    assert "<p id='reply-tool'>saved</p>" in page


def test_hooks_plain_text_returned_is_escaped(app, client, factory):
    thread = factory.thread()
    hooks.register(app, "thread_sidebar", lambda t: escape("<script>x</script>"))
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_hooks_thread_list_batch_called_once_a_page(app, client, factory):
    threads = [factory.thread(title=f"Question number {n} about billing") for n in range(5)]
    calls = []

    def extras(items):
        calls.append(len(items))
        return {t.id: Markup(f"<span class='tag'>t{t.id}</span>") for t in items}

    hooks.register(app, "thread_list_extras", extras)
    page = client.get("/threads").get_data(as_text=True)
    assert calls == [5]
    for thread in threads:
        assert f"<span class='tag'>t{thread.id}</span>" in page


def test_hooks_none_registered_adds_no_queries(app, client, factory):
    for n in range(3):
        factory.thread(title=f"Another question number {n}")
    client.get("/threads")
    with count_queries() as before:
        client.get("/threads")
    hooks.register(app, "thread_list_extras", lambda items: {})
    with count_queries() as after:
        client.get("/threads")
    assert len(after) == len(before)


def test_hooks_menu_and_profile_points(app, client, factory):
    member = factory.user("casey")
    hooks.register(app, "menu_links", lambda: Markup("<a id='menu-extra'>Inbox</a>"))
    hooks.register(app, "profile_extras", lambda user: Markup(f"<p id='pe'>{user.username}</p>"))
    login(client, member)
    page = client.get("/u/casey").get_data(as_text=True)
    assert "<a id='menu-extra'>Inbox</a>" in page
    assert "<p id='pe'>casey</p>" in page
