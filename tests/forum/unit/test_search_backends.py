"""The same search tests for every backend: Whoosh always, PostgreSQL's own full-text search
when the test database is PostgreSQL. Content goes in through the services, queries through
forum.search.run, exactly as the pages use them."""
from __future__ import annotations

import os
import random
import shutil

import pytest
from sqlalchemy import delete, event, select, update

from forum import search, services
from forum.extensions import db
from forum.models import Post, SearchDocument, SearchOutbox
from forum.search import SearchQuery, documents, synonyms


def _backends() -> list[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["whoosh", "postgres"] if url.startswith("postgresql") else ["whoosh"]


@pytest.fixture(params=_backends())
def backend_name(request, app) -> str:
    """Each backend by name; 'postgres' only exists on a PostgreSQL test database."""
    if request.param == "postgres":
        assert db.engine.dialect.name == "postgresql"
    return request.param


@pytest.fixture
def search_app(backend_name, make_app, app):
    """An app using the chosen backend, in its own context over the emptied tables."""
    application = make_app(SEARCH_BACKEND=backend_name)
    with application.app_context():
        yield application
        _close(search.backend())
        db.session.remove()


def _close(backend) -> None:
    close = getattr(backend, "close", None)
    if close is not None:
        close()


def run(text: str, **filters) -> search.SearchPage:
    """Search as the search page does."""
    return search.run(db.session, SearchQuery(text=text, **filters))


def ids(page) -> list[int]:
    """The thread ids on a result page, in rank order."""
    return [hit.doc_id for hit in page.hits]


def question_of(thread) -> Post:
    """Post number 1 of a thread."""
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_search_word_in_body_finds_thread(search_app, factory):
    thread = factory.thread(title="Cannot connect after update",
                            body="The thermostat shows an error code after the update.")
    factory.thread(title="Unrelated billing question", body="Where is my invoice?")

    assert ids(run("thermostat")) == [thread.id]


def test_search_word_in_reply_finds_thread(search_app, factory):
    thread = factory.thread(title="Speaker drops out randomly", body="Happens every evening.")
    factory.reply(thread, body="Disable the bandwidth saver in the companion app.")

    assert ids(run("bandwidth")) == [thread.id]


def test_search_word_in_title_ranks_above_body_only_match(search_app, factory):
    author, category = factory.user(), factory.category()
    body_only = factory.thread(author, category=category, title="Lights blink orange at night",
                               body="Maybe the firmware is at fault here.")
    in_title = factory.thread(author, category=category, title="Firmware will not install",
                              body="The progress bar stops halfway each time.")

    assert ids(run("firmware")) == [in_title.id, body_only.id]


def test_search_plural_query_finds_singular_word(search_app, factory):
    thread = factory.thread(title="Question about my home network",
                            body="My router restarts every hour.")

    assert ids(run("routers")) == [thread.id]


def test_search_snippet_marks_term_and_escapes_html(search_app, factory):
    factory.thread(title="Template question for the shop",
                   body="In the gateway template I wrote `<b>x</b>` and it shows raw.")

    [hit] = run("gateway").hits

    assert "<mark>gateway</mark>" in hit.snippet_html
    assert "&lt;b&gt;x&lt;/b&gt;" in hit.snippet_html
    assert "<b>" not in hit.snippet_html


def test_search_title_marks_matched_words_and_escapes_html(search_app, factory):
    factory.thread(title="Routers <script> & the hub: routing tips",
                   body="Nothing to see in the body.")

    [hit] = run("router").hits

    assert hit.title_html == ("<mark>Routers</mark> &lt;script&gt; &amp; the hub: routing tips")
    assert hit.title == "Routers <script> & the hub: routing tips"


def test_search_category_filter_returns_only_that_category(search_app, factory):
    author = factory.user()
    phones, laptops = factory.category("Phones"), factory.category("Laptops")
    phone = factory.thread(author, category=phones, title="Battery drains overnight",
                           body="The battery is empty by morning.")
    factory.thread(author, category=laptops, title="Laptop battery swelling",
                   body="The battery case bulges.")

    assert ids(run("battery", category_id=phones.id)) == [phone.id]
    assert run("battery").total == 2


def test_search_solved_filter_splits_solved_and_open(search_app, factory):
    asker, category = factory.user(), factory.category()
    solved = factory.thread(asker, category=category, title="Headphones will not pair",
                            body="Pairing fails with the headphones.")
    still_open = factory.thread(asker, category=category, title="Headphones crackle",
                                body="The headphones crackle at high volume.")
    answer = factory.reply(solved, body="Hold the button for ten seconds.")
    services.accept_answer(answer, actor=asker)

    assert ids(run("headphones", solved=True)) == [solved.id]
    assert ids(run("headphones", solved=False)) == [still_open.id]


def test_search_filter_nothing_passes_returns_empty_page(search_app, factory):
    factory.thread(title="Router lights are all off", body="No router lights at all.")

    page = run("router", solved=True)

    assert (page.hits, page.total) == ([], 0)


def test_search_many_matches_paginates_with_total_and_pages(search_app, factory):
    author, category = factory.user(), factory.category()
    created = {
        factory.thread(author, category=category, title=f"Printer jams on tray {n}",
                       body=f"Paper jam number {n}.").id
        for n in range(23)
    }

    pages = [run("printer", page=n, per_page=10) for n in (1, 2, 3)]

    assert [p.total for p in pages] == [23, 23, 23]
    assert [p.pages for p in pages] == [3, 3, 3]
    assert [len(p.hits) for p in pages] == [10, 10, 3]
    assert {i for p in pages for i in ids(p)} == created
    past_end = run("printer", page=4, per_page=10)
    assert (past_end.hits, past_end.total) == ([], 23)


def test_search_doc_type_filter_keeps_only_that_type(search_app, factory):
    thread = factory.thread(title="Projector fan is loud", body="The projector hums.")

    assert ids(run("projector", doc_types=("thread",))) == [thread.id]
    assert run("projector", doc_types=("article",)).total == 0


def test_search_same_words_again_parses_query_once(search_app, factory, backend_name,
                                                   monkeypatch):
    """PostgreSQL parses the words with plainto_tsquery once; a search page asks for the same
    words again (threads, help articles, the partial retry). Whoosh never asks the database."""
    from forum.search import postgres

    monkeypatch.setattr(postgres, "_TSQUERIES", {})
    factory.thread(title="Projector fan is loud", body="The projector hums.")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = run("projector hums loudly quietly")  # nothing has all four: a partial retry
        parsed_first = sum("plainto_tsquery" in s for s in statements)
        statements.clear()
        again = run("projector hums loudly quietly", doc_types=("thread",))
        parsed_again = sum("plainto_tsquery" in s for s in statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert (first.partial, ids(again)) == (True, ids(first))
    assert (parsed_first, parsed_again) == ((2, 0) if backend_name == "postgres" else (0, 0))


def test_postgres_common_type_filter_stays_out_of_index_scan():
    """Inside the scan, a filter on the type most documents have makes PostgreSQL read every
    such row through the primary key and test each tsvector (68 ms against 20 on 10,000
    threads); it is applied to the scan's rows instead. A rare type stays inside."""
    from sqlalchemy.dialects import postgresql

    from forum.models import SearchDocument as Row
    from forum.search import postgres

    def matches_sql(kept: list[str], extra: list) -> str:
        sql = str(postgres._count([Row.tsv.op("@@")("x"), *extra], kept)
                  .compile(dialect=postgresql.dialect()))
        cte = sql.split("matches AS MATERIALIZED", 1)[1]
        return cte.split("WHERE", 1)[1].split("\n", 1)[0]  # the scan's own conditions

    common = matches_sql(["thread"], [])
    rare = matches_sql([], [Row.doc_type.in_(["article"])])

    assert "tsv @@" in common and "doc_type" not in common
    assert "doc_type IN" in rare


def test_postgres_rare_types_counted_from_search_rows(app, monkeypatch):
    from forum.search import postgres

    monkeypatch.setattr(postgres, "_TYPE_COUNTS", {})
    db.session.add_all(
        [SearchDocument(doc_type="thread", doc_id=n, title="t", body="b") for n in range(19)]
        + [SearchDocument(doc_type="article", doc_id=1, title="a", body="b")]
    )
    db.session.flush()

    assert postgres._rare(db.session, ["article"]) is True  # 1 of 20
    assert postgres._rare(db.session, ["thread"]) is False
    assert postgres._rare(db.session, ["thread", "article"]) is False
    db.session.rollback()


def test_search_type_boost_multiplies_score_and_keeps_order(search_app, factory, monkeypatch):
    factory.thread(title="Projector fan is loud", body="The projector hums.")
    factory.thread(title="Screen flickers", body="Only with the projector attached.")
    def lexical(text):  # the backend's own scores (search.run fuses them into ranks)
        return search.backend().search(db.session, search.bounded(SearchQuery(text=text)))

    plain = lexical("projector")

    monkeypatch.setitem(documents._BOOSTS, "thread", 3.0)
    boosted = lexical("projector")

    assert ids(boosted) == ids(plain) and plain.total == 2
    assert [h.score for h in boosted.hits] == pytest.approx(
        [3 * h.score for h in plain.hits], rel=1e-6)


def test_search_register_non_positive_boost_raises():
    with pytest.raises(ValueError):
        documents.register("note", lambda session, ids: {}, lambda session: [], boost=0)

    assert "note" not in documents.registered_types()


def test_search_after_edit_finds_new_word_not_old(search_app, factory):
    author = factory.user()
    thread = factory.thread(author, title="Display problem on the tablet",
                            body="The screen flickers when charging.")

    services.edit_post(question_of(thread), actor=author, body="The screen goes dim on battery.")

    assert run("flickers").hits == []
    assert ids(run("dim")) == [thread.id]


def test_search_after_deleting_lone_question_does_not_find_it(search_app, factory):
    author = factory.user()
    thread = factory.thread(author, title="Smartwatch strap broke", body="The strap snapped.")
    assert ids(run("strap")) == [thread.id]

    services.delete_post(question_of(thread), actor=author)

    assert run("strap").total == 0


JUNK = ["", "   ", "***", "((", ")", '"', "AND OR NOT", "title:", "a* ?b ~c ^d [x TO y]",
        "-", "\x00\x01\x1f", "🙂🙃", "路由器 ñandú", "<script>alert(1)</script>", "the of and"]


@pytest.mark.parametrize("text", JUNK)
def test_search_junk_query_returns_empty_page(search_app, factory, text):
    factory.thread(title="Router keeps rebooting", body="Every hour, like clockwork.")

    page = run(text)

    assert (page.hits, page.total, page.pages) == ([], 0, 1)


def test_search_huge_random_query_returns_empty_page(search_app, factory):
    factory.thread(title="Router keeps rebooting", body="Every hour, like clockwork.")
    rng = random.Random(3)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~é漢🙂"
    text = "".join(rng.choice(alphabet) for _ in range(5000))

    page = run(text, page=10**9, per_page=10**6)

    assert (page.hits, page.total) == ([], 0)


def test_search_unicode_word_finds_thread(search_app, factory):
    thread = factory.thread(title="Café mode on the espresso machine",
                            body="Which grind for crème brûlée flavour?")

    assert ids(run("crème")) == [thread.id]


def test_search_some_words_unmatched_shows_partial_matches(search_app, factory):
    thread = factory.thread(title="Keyboard backlight stays off", body="Tried the function key.")

    page = run("keyboard zeppelin")

    assert page.partial is True
    assert ids(page) == [thread.id]
    assert run("keyboard backlight").partial is False


def test_search_partial_matches_total_counts_threads_with_any_word(search_app, factory):
    author, category = factory.user(), factory.category()
    for n in range(4):
        factory.thread(author, category=category, title=f"Doorbell chime fails {n}",
                       body="No sound at all.")
    for n in range(3):
        factory.thread(author, category=category, title=f"Intercom static noise {n}",
                       body="Crackling all day.")

    page = run("doorbell intercom", per_page=5)

    assert (page.partial, page.total, page.pages, len(page.hits)) == (True, 7, 2, 5)


def test_search_word_deep_in_long_thread_is_marked_in_snippet(search_app, factory):
    thread = factory.thread(title="Long story about my setup", body="Intro. " * 80)
    for _ in range(5):
        factory.reply(thread, body="Nothing new here, still the same problem. " * 5)
    factory.reply(thread, body="Finally: the culprit was the dehumidifier next to it.")

    [hit] = run("dehumidifier").hits

    assert "<mark>dehumidifier</mark>" in hit.snippet_html
    assert len(hit.snippet_html) < 600


def test_search_reindex_after_index_wiped_restores_results(search_app, factory, backend_name,
                                                           make_app):
    threads = [factory.thread(title=f"Vacuum robot gets stuck {n}", body="Under the sofa.")
               for n in range(3)]
    _wipe(backend_name, search_app)

    assert search.reindex(db.session) == 3

    fresh = make_app(SEARCH_BACKEND=backend_name)  # nothing cached: what is on disk / in rows
    with fresh.app_context():
        assert sorted(ids(run("vacuum"))) == sorted(t.id for t in threads)
        _close(search.backend())


def _wipe(backend_name: str, application) -> None:
    if backend_name == "whoosh":
        shutil.rmtree(application.config["SEARCH_INDEX_DIR"])
    else:
        db.session.execute(delete(SearchDocument))
        db.session.commit()
        # the lexical index is empty; hybrid search may still answer from question vectors
        assert search.backend().search(db.session, SearchQuery(text="vacuum")).total == 0


# -- Whoosh only: the outbox when the index lock is held ---------------------------------------
@pytest.fixture
def whoosh_app(make_app, app):
    """A Whoosh-backed app that gives up on a busy index lock quickly."""
    application = make_app(SEARCH_BACKEND="whoosh", SEARCH_LOCK_TIMEOUT=0.1)
    with application.app_context():
        yield application
        _close(search.backend())
        db.session.remove()


def test_whoosh_post_while_index_locked_keeps_outbox_row_until_sync(whoosh_app, factory):
    from whoosh import index

    thread = factory.thread(title="Washing machine door stuck", body="It will not open.")
    writer = index.open_dir(whoosh_app.config["SEARCH_INDEX_DIR"]).writer()
    try:
        reply = factory.reply(thread, body="Pull the emergency cord behind the kickplate.")
        assert reply.id is not None
        assert _outbox() == [("thread", thread.id)]
        assert run("kickplate").total == 0  # stale but no error while the lock is held
    finally:
        writer.cancel()

    assert search.backend().sync(db.session) == 1
    assert _outbox() == []
    assert ids(run("kickplate")) == [thread.id]


def test_whoosh_search_after_lock_released_drains_outbox_first(whoosh_app, factory):
    from whoosh import index

    thread = factory.thread(title="Oven clock resets", body="After each power cut.")
    writer = index.open_dir(whoosh_app.config["SEARCH_INDEX_DIR"]).writer()
    try:
        factory.reply(thread, body="A backup capacitor keeps the time.")
    finally:
        writer.cancel()

    assert ids(run("capacitor")) == [thread.id]
    assert _outbox() == []


def _outbox() -> list[tuple[str, int]]:
    return [tuple(r) for r in db.session.execute(
        select(SearchOutbox.doc_type, SearchOutbox.doc_id).order_by(SearchOutbox.id)
    )]


# -- folding, synonyms and preferences, on both backends -------------------------------------
def lexical(text: str, **filters) -> search.SearchPage:
    """The backend alone: no question vectors, no synonyms."""
    return search.backend().search(db.session, search.bounded(SearchQuery(text=text, **filters)))


@pytest.mark.parametrize("query", ["wifi", "WiFi", "wi fi", "Wi-Fi"])
def test_search_wifi_spellings_find_wi_fi_thread(search_app, factory, query):
    thread = factory.thread(title="Wi-Fi drops every evening", body="The hub light stays on.")
    factory.thread(title="Invoice shows the wrong address", body="Billing question.")

    assert ids(lexical(query)) == [thread.id]


def test_search_login_finds_log_in_and_colour_finds_color(search_app, factory):
    log_in = factory.thread(title="Cannot log in after the update", body="It spins forever.")
    colour = factory.thread(title="Screen color looks washed out", body="Since Tuesday.")

    assert ids(lexical("login update")) == [log_in.id]
    assert ids(lexical("colour")) == [colour.id]


def test_search_folded_match_is_marked_as_written(search_app, factory):
    factory.thread(title="Wi-Fi drops every evening", body="My Wi-Fi is gone at 8pm.")

    [hit] = lexical("wifi").hits

    assert "<mark>Wi-Fi</mark>" in hit.title_html and "<mark>Wi-Fi</mark>" in hit.snippet_html


def test_search_solved_thread_ranks_first_among_equally_relevant(search_app, factory):
    threads = [factory.thread(title="Doorbell chime too quiet", body="Same words here.")
               for _ in range(3)]
    solved = threads[1]
    services.accept_answer(factory.reply(solved), actor=solved.author)

    assert ids(lexical("doorbell chime"))[0] == solved.id


def test_search_staff_synonym_widens_query_word(backend_name, make_app, app, factory):
    application = make_app(SEARCH_BACKEND=backend_name, SEARCH_HYBRID=False)
    with application.app_context():
        router = factory.thread(title="Router restarts itself at night", body="Every day.")
        other = factory.thread(title="Gateway firmware question", body="Which version?")
        factory.thread(title="Hub paint is peeling", body="Cosmetic.")
        assert run("hubs restarts").partial  # no thread holds both words
        synonyms.save_group(db.session, "hub, router, gateway", actor=factory.user())

        found = run("hubs restarts")
        assert (found.partial, ids(found)) == (False, [router.id])
        assert set(ids(run("router"))) >= {router.id, other.id}
        _close(search.backend())


def test_search_stale_index_is_rebuilt_by_sync(search_app, factory, backend_name):
    thread = factory.thread(title="Wi-Fi drops every evening", body="Hub light on.")
    _make_stale(backend_name, search_app)
    assert search.backend().stale(db.session)

    applied, rebuilt = search.sync(db.session)

    assert rebuilt == 1 and not search.backend().stale(db.session)
    assert ids(lexical("wifi")) == [thread.id]
    assert search.sync(db.session) == (0, None)  # current: nothing to rebuild


def _make_stale(backend_name: str, application) -> None:
    """Make the index look built before folding existed (analysis version 1)."""
    if backend_name == "whoosh":
        search.backend().close()
        shutil.rmtree(application.config["SEARCH_INDEX_DIR"])
        from whoosh import index

        from forum.search.whoosh import SCHEMA
        os.makedirs(application.config["SEARCH_INDEX_DIR"])
        old = index.create_in(application.config["SEARCH_INDEX_DIR"], SCHEMA)
        with old.writer() as writer:
            writer.add_document(key="thread:999", doc_type="thread", doc_id=999, title="old",
                                body="old", category_id="", solved="0")
        search.backend()._ix = None
    else:
        db.session.execute(update(SearchDocument).values(analysis=1))
        db.session.commit()
