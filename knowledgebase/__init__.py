"""Knowledge base: repeated questions become searchable help articles."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the knowledge base: tables, search documents, pages, API, CLI, listeners."""
    from forum import admin as forum_admin
    from forum import api as forum_api
    from forum import signals
    from knowledgebase import api, cli, demo, models, receivers, searchdocs, views  # noqa: F401

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
