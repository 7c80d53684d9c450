"""The demo community's help articles (`flask forum seed-demo`, which `make run` runs on first
start): Sam from Support writes them from the questions the demo's customers asked, sends them
for review, and Mia the moderator publishes them.

Everything goes through the real services, so a newcomer's first look shows the help centre
with articles, the search page's help panel, and "Answered in help article" on the threads
each article came from.
"""
from __future__ import annotations

from dataclasses import dataclass

from knowledgebase import services
from knowledgebase.models import ArticleStatus

WRITER = "sam"
PUBLISHER = "mia"


@dataclass(frozen=True)
class DemoArticle:
    """A help article and the titles of the demo threads it answers."""

    title: str
    summary: str
    body: str
    tags: str
    sources: tuple[str, ...]


ARTICLES = (
    DemoArticle(
        "Why your bill changed",
        "The yearly price change, one-off charges and where to see the breakdown.",
        "Most bill changes come from one of three things.\n\n"
        "## The yearly price change\n\n"
        "Every plan's monthly price changes once a year, on **1 April**. The new price is in "
        "the email we send in February and on your first bill after the change.\n\n"
        "## One-off charges\n\n"
        "Calls that aren't in your plan (0845, 0870 and international numbers, for example) "
        "are charged once, on the next bill.\n\n"
        "## Where to see the breakdown\n\n"
        "1. Open **My Account → Bills**.\n"
        "2. Choose the bill and select **View details**.\n\n"
        "Each line shows what it is for and the dates it covers. If something looks wrong, "
        "ask in the community and the support team will check it with you privately.",
        "billing, price change, charges",
        ("Why did my bill go up by £6 this month?",),
    ),
    DemoArticle(
        "Hub 3 lights: what each colour means",
        "Solid white, blinking orange and the rest, and what to do about each one.",
        "| Light | What it means | What to do |\n"
        "| --- | --- | --- |\n"
        "| Solid white | Connected | Nothing: all is well |\n"
        "| Blinking white | Starting up | Wait up to 10 minutes on the first day |\n"
        "| Blinking orange | No sync with the line | Check the grey cable, then reset |\n"
        "| Solid red | Hardware fault | Ask the support team for a replacement |\n\n"
        "## Blinking orange after a power cut\n\n"
        "1. Check the grey cable clicks in at the hub and at the wall socket.\n"
        "2. Hold the reset pin for **10 seconds**.\n"
        "3. Wait 15 minutes. If the light is still orange, ask in the community and we'll run "
        "a line test.",
        "hub, lights, orange light, power cut",
        ("Hub 3 orange light blinking after a power cut",
         "How do I set up the Brightwave Hub 3 for the first time?"),
    ),
    DemoArticle(
        "Find and change your Wi-Fi name and password",
        "The card on the back of the hub, and how to change both in the app.",
        "Your hub's Wi-Fi name and password are on the **pull-out card** at the back of the "
        "hub, under *Network name* and *Wireless key*.\n\n"
        "To change them:\n\n"
        "1. Open the **My Brightwave** app.\n"
        "2. Go to **Hub → Wi-Fi settings**.\n"
        "3. Enter the new name or password and save. Every device then has to join again with "
        "the new details.",
        "wi-fi, password, hub",
        ("What is the default Wi-Fi password for the new hub?",),
    ),
)


def on_demo_seeded(sender, *, people: dict, threads: dict, **_extra) -> str:
    """Write, review and publish the demo articles; the summary phrase for seed-demo."""
    writer, publisher = people.get(WRITER), people.get(PUBLISHER)
    if writer is None or publisher is None:
        return ""
    for spec in ARTICLES:
        sources = [threads[title] for title in spec.sources if title in threads]
        article = services.create_article(
            actor=writer, title=spec.title, summary=spec.summary, body=spec.body,
            tags=spec.tags, category=sources[0].category_id if sources else None,
            sources=sources, note="Written from the community's questions",
        )
        services.set_status(article, ArticleStatus.IN_REVIEW, actor=writer)
        services.set_status(article, ArticleStatus.PUBLISHED, actor=publisher)
    return f"{len(ARTICLES)} help articles"
