"""Service tests: repeated questions clustered, ranked, shaped by staff and promoted."""
import json

import pytest
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Thread
from forum.services import Conflict, PermissionDenied, ValidationError
from knowledgebase import clusters, services, suggestions
from knowledgebase.models import ArticleStatus, ArticleThread, ClusterStatus, QuestionCluster

ROUTER = [
    ("How do I reset my router password?",
     "I forgot the admin password of my router. How do I reset it?"),
    ("How do I reset my router password", "Forgot the admin password for the router, how can "
     "I reset it?"),
    ("How to reset my router password?", "I need to reset the admin password on my router."),
    ("How do I reset the router password?", "How can I reset my router admin password? I "
     "forgot it."),
]
BILL = [
    ("Why is my bill higher this month?", "My bill this month is higher than usual. Why?"),
    ("Why is my bill so high this month?", "This month my bill is much higher than usual."),
    ("Why is my bill higher than usual this month?", "The bill went up this month, why is it "
     "higher?"),
]
SINGLES = [
    ("Can I bring my own phone to the network?", "I have an unlocked phone."),
    ("What colour is the sky on Mars", "Just curious."),
    ("Wifi drops every evening around 8pm", "Every evening the wifi disconnects."),
    ("Where is the nearest store to Leeds?", "Looking for a shop."),
    ("Does the TV box support 4K streaming?", "Want to watch in 4K."),
]


@pytest.fixture
def community(factory):
    """Four router questions by one person, three bill questions by three, five singletons."""
    category = factory.category("Broadband")
    asker = factory.user("rob")
    made = {"router": [], "bill": [], "single": []}
    for title, body in ROUTER:
        made["router"].append(factory.thread(asker, title=title, body=body, category=category))
    for n, (title, body) in enumerate(BILL):
        made["bill"].append(factory.thread(factory.user(f"payer{n}"), title=title, body=body,
                                           category=category))
    for title, body in SINGLES:
        made["single"].append(factory.thread(title=title, body=body, category=category))
    return made


def _ids(threads):
    return {t.id for t in threads}


def _members(cluster):
    return {t.id for t in clusters.members(cluster)}


def test_compute_groups_repeats_and_leaves_singletons_out(community):
    found = clusters.compute()
    assert [_members(c) for c in found] == [_ids(community["bill"]), _ids(community["router"])]
    assert not any(_ids(community["single"]) & _members(c) for c in found)


def test_compute_ranks_by_demand_distinct_askers_over_size(community):
    bill, router = clusters.compute()
    assert (bill.size, bill.askers) == (3, 3)
    assert (router.size, router.askers) == (4, 1)
    assert bill.demand > router.demand
    assert bill.unresolved == 3 and bill.newest_at is not None


def test_compute_suggested_title_is_clean_question(community):
    router = clusters.compute()[1]
    assert router.suggested_title.endswith("?")
    assert "router password" in router.suggested_title.lower()


def test_compute_again_keeps_cluster_ids(community):
    first = {c.id: _members(c) for c in clusters.compute()}
    second = {c.id: _members(c) for c in clusters.compute()}
    assert first == second


def test_compute_dismissed_cluster_stays_dismissed_and_absorbs_new_asks(factory, community,
                                                                        staff):
    router = clusters.compute()[1]
    clusters.dismiss(router, actor=staff)
    late = factory.thread(title="How do I reset my router password?",
                          body="Forgot my router admin password, how to reset?")
    found = clusters.compute()
    assert [_members(c) for c in found] == [_ids(community["bill"])]
    dismissed = db.session.get(QuestionCluster, router.id)
    assert dismissed.status is ClusterStatus.DISMISSED
    assert late.id in _members(dismissed)


def test_dismiss_customer_refused(community, customer):
    router = clusters.compute()[1]
    with pytest.raises(PermissionDenied):
        clusters.dismiss(router, actor=customer)


def test_reopen_dismissed_cluster_is_open_again(community, staff):
    router = clusters.compute()[1]
    clusters.dismiss(router, actor=staff)
    clusters.reopen(router, actor=staff)
    assert router.status is ClusterStatus.OPEN and router.manual


def test_split_moves_chosen_threads_and_survives_recompute(community, staff):
    router = clusters.compute()[1]
    chosen = [t.id for t in community["router"][:2]]
    new = clusters.split(router, chosen, actor=staff)
    assert _members(new) == set(chosen)
    assert _members(router) == _ids(community["router"]) - set(chosen)
    clusters.compute()
    assert _members(db.session.get(QuestionCluster, new.id)) == set(chosen)
    assert _members(db.session.get(QuestionCluster, router.id)) == \
        _ids(community["router"]) - set(chosen)


def test_split_everything_rejected(community, staff):
    router = clusters.compute()[1]
    with pytest.raises(ValidationError):
        clusters.split(router, [t.id for t in community["router"]], actor=staff)


def test_merge_joins_other_clusters_threads(community, staff):
    bill, router = clusters.compute()
    clusters.merge(router, bill, actor=staff)
    assert db.session.get(QuestionCluster, bill.id) is None
    merged = db.session.get(QuestionCluster, router.id)
    assert _members(merged) == _ids(community["router"]) | _ids(community["bill"])
    assert merged.size == 7 and merged.askers == 4
    clusters.compute()
    assert _members(db.session.get(QuestionCluster, router.id)) == \
        _ids(community["router"]) | _ids(community["bill"])


def test_merge_with_itself_rejected(community, staff):
    router = clusters.compute()[1]
    with pytest.raises(ValidationError):
        clusters.merge(router, router, actor=staff)


def test_failed_searches_count_towards_matching_cluster(community, app):
    services.log_search("reset router password", 0)
    services.log_search("reset router password!", 0)
    services.log_search("store opening hours", 0)
    bill, router = clusters.compute()
    assert router.failed_searches == 2
    assert bill.failed_searches == 0


def _answer(factory, community, staff):
    thread = community["router"][0]
    factory.reply(thread, factory.user("helper"), body="Try turning it off and on.")
    best = factory.reply(thread, staff, body="Hold the *reset* button for 10 seconds, then "
                                             "log in with the password on the sticker.")
    forum_services.accept_answer(best, actor=thread.author)
    return best


def test_promote_drafts_article_from_best_answers(factory, community, staff):
    best = _answer(factory, community, staff)
    router = clusters.compute()[1]
    article = clusters.promote(router, actor=staff)
    assert article.status is ArticleStatus.DRAFT
    assert article.title.endswith("?") and "router password" in article.title.lower()
    assert "Asked 4 times" in article.summary
    assert "Hold the *reset* button for 10 seconds" in article.body_source
    assert "Accepted answer by **sam** (Support team)" in article.body_source
    assert f"/p/{best.id}" in article.body_source
    for thread in community["router"]:
        assert f"/t/{thread.id})" in article.body_source
    assert "Try turning it off" not in article.body_source  # not helpful, not staff
    assert router.status is ClusterStatus.PROMOTED and router.article_id == article.id
    linked = set(db.session.scalars(select(ArticleThread.thread_id)
                                    .where(ArticleThread.article_id == article.id)))
    assert linked == _ids(community["router"])


def test_promote_twice_returns_same_draft(community, staff):
    router = clusters.compute()[1]
    assert clusters.promote(router, actor=staff).id == clusters.promote(router, actor=staff).id


def test_promote_dismissed_cluster_conflict(community, staff):
    router = clusters.compute()[1]
    clusters.dismiss(router, actor=staff)
    with pytest.raises(Conflict):
        clusters.promote(router, actor=staff)


def test_publish_promoted_article_closes_the_loop(factory, community, staff, moderator):
    _answer(factory, community, staff)
    router = clusters.compute()[1]
    article = clusters.promote(router, actor=staff)
    services.set_status(article, ArticleStatus.PUBLISHED, actor=moderator)
    assert db.session.get(QuestionCluster, router.id).status is ClusterStatus.DONE
    for thread in community["router"]:
        found = db.session.get(Thread, thread.id)
        assert found.canonical_kind == "article" and found.canonical_title == article.title
    first = suggestions.suggest("How can I reset the password of my router?")[0]
    assert (first.type, first.id) == ("article", article.id)
    assert [c.id for c in clusters.compute()] == [c.id for c in clusters.ranked()]
    assert router.id not in [c.id for c in clusters.ranked()]


def test_cli_kb_clusters_json_from_imported_questions(app, tmp_path):
    lines = [{"title": t, "body": b, "author": f"asker{n}", "category": "Broadband"}
             for n, (t, b) in enumerate(ROUTER + BILL + SINGLES)]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    runner = app.test_cli_runner()
    imported = runner.invoke(args=["forum", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(args=["kb", "clusters", "--json", "--days", "30"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    titles = [{t["title"] for t in c["threads"]} for c in data]
    assert titles == [{t for t, _b in ROUTER}, {t for t, _b in BILL}]
    assert set(data[0]) >= {"id", "size", "threads", "suggested_title"}
    assert data[0]["size"] == 4 and all(set(t) == {"id", "title"} for t in data[0]["threads"])


def test_cli_kb_publishers_grant_lets_staff_publish(app, kb, staff):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "publishers", "grant", "sam"])
    assert result.exit_code == 0, result.output
    article = services.set_status(kb.draft(), ArticleStatus.PUBLISHED, actor=staff)
    assert article.status is ArticleStatus.PUBLISHED


def test_cli_kb_index_builds_suggestion_index(app, factory):
    factory.thread(title="How do I reset my router password?")
    result = app.test_cli_runner().invoke(args=["kb", "index"])
    assert result.exit_code == 0, result.output
    assert "index of 1 questions" in result.output
