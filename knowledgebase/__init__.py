"""Knowledge base: repeated questions become searchable help articles."""
from __future__ import annotations

import os

DEFAULTS = {
    # wordllama (default, numpy), minilm (the [semantic] extra, torch) or lexical
    "KB_EMBEDDER": os.environ.get("KB_EMBEDDER", "wordllama"),
    "KB_SEMANTIC": os.environ.get("KB_SEMANTIC", "") == "1",  # older switch: KB_EMBEDDER=minilm
    "KB_TORCH_THREADS": int(os.environ.get("KB_TORCH_THREADS", "1")),  # per worker process
    "KB_SUGGEST_MIN_SCORE": None,  # below this a suggestion is noise; None: the model's own
    "KB_SEARCH_MIN_SCORE": None,  # search's vector side; None: the model's own
    "KB_INDEX_MAX_AGE": 3600,  # seconds before a worker refits its thread index
    "KB_RELATED_MAX_AGE": 86400,  # seconds a thread's kept related threads are shown
    "KB_INDEX_BACKGROUND": True,  # build the thread index beside requests, not inside one
    "KB_NOT_HELPFUL_REVIEW": 3,  # 'not helpful' answers since review that flag an article
    "KB_DEFLECTION_SETTLE_MINUTES": 60,  # an ask-form view may still post within this time
    "KB_SEARCH_GAP_DAYS": 90,  # failed searches counted towards cluster demand
    "KB_CLUSTER_DAYS": None,  # the dashboard's recompute: questions of the last N days, or all
    "KB_SEARCH_ARTICLES": 3,  # help articles shown above the threads on the search page
}


def init_app(app) -> None:
    """Register the knowledge base: tables, search documents, pages, API, CLI, listeners."""
    from forum import admin as forum_admin
    from forum import api as forum_api
    from forum import signals
    from knowledgebase import api, cli, demo, models, receivers, searchdocs, views  # noqa: F401

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    searchdocs.register()
    from forum.search import fusion
    from knowledgebase import suggestions

    if app.config.get("SEARCH_HYBRID", True):
        app.extensions[fusion.EXTENSION] = suggestions.neighbours
    app.extensions.setdefault("parley.doc_endpoints", {})["article"] = (
        f"{views.bp.name}.article_by_id", "article_id")
    app.register_blueprint(views.bp)
    app.extensions.setdefault(forum_admin.PEOPLE_EXTRAS, []).append(views.people_extras)
    forum_api.extend(app, api.bp, api.contribute_openapi)
    cli.register(app)
    signals.search_ran.connect(receivers.on_search_ran)
    signals.demo_seeded.connect(demo.on_demo_seeded)
    for name, function in receivers.TEMPLATE_GLOBALS.items():
        app.add_template_global(function, name)
