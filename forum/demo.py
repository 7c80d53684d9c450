"""The demo community `make run` loads on first start: Brightwave, a broadband and phone brand.

Everything goes through the real services, so the demo shows what the forum really does:
rendered Markdown, staff badges, accepted answers, helpful votes, mentions and notifications.
The admin's random password is kept in <instance>/demo-login.txt (mode 0600).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from forum import services, signals
from forum.extensions import db
from forum.models import Role, Thread, User, utcnow

LOGIN_FILE = "demo-login.txt"
ADMIN = "admin"


@dataclass(frozen=True)
class Person:
    """A demo account."""

    username: str
    display_name: str
    role: Role = Role.CUSTOMER


@dataclass(frozen=True)
class Answer:
    """A demo reply, posted `hours` after its question."""

    author: str
    body: str
    hours: float
    accepted: bool = False
    helpful: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A demo question, asked `days_ago` days before seeding."""

    author: str
    category: str
    title: str
    body: str
    days_ago: float
    answers: tuple[Answer, ...] = field(default=())


PEOPLE = (
    Person(ADMIN, "Community Admin", Role.ADMIN),
    Person("sam", "Sam from Support", Role.STAFF),
    Person("mia", "Mia (Moderator)", Role.MODERATOR),
    Person("priya", "Priya S."),
    Person("tom_h", "Tom H."),
    Person("grace", "Grace"),
    Person("oliver", "Oliver B."),
    Person("dan.k", "Dan K."),
)

BILLING, STARTED, DEVICES, IDEAS = (
    "Billing & plans", "Getting started", "Devices & connectivity", "Feature requests"
)
CATEGORIES = (
    (BILLING, "Bills, payments, price changes, upgrades and moving plans."),
    (STARTED, "New to Brightwave? Setting up your hub, your SIM and your account."),
    (DEVICES, "Wi-Fi, the Brightwave Hub, boosters, phones and keeping connected."),
    (IDEAS, "Ideas for the app, the hub and our plans. Our product team reads these."),
)

QUESTIONS = (
    Question("priya", BILLING, "Why did my bill go up by £6 this month?",
             "My plan is **Fibre 150** at £32 a month, but this month's bill says £38.20. "
             "I haven't changed anything. Is this the yearly price rise, or a mistake?", 19,
             (Answer("sam", "Hi Priya! It's the annual price change that started on 1 April: "
                     "Fibre 150 went up by £3.50, and the rest is a one-off £2.70 for the call "
                     "to 0845 numbers on the 12th.\n\nYou can see the breakdown under "
                     "**My Account → Bills → View details**. If the calls look wrong, reply "
                     "here and I'll take a look.", 3, accepted=True,
                     helpful=("priya", "grace", "tom_h")),
              Answer("priya", "Thanks Sam, that explains it. Forgot about that call!", 5))),
    Question("tom_h", BILLING, "Your billing is a joke: charged twice and nobody answers",
             "Your billing is a joke. I was charged **twice** for March, I've been on hold for "
             "40 minutes on two different days, and the chat bot keeps closing my ticket.\n\n"
             "I've been a customer for six years and I'm seriously thinking about leaving. Can "
             "someone who can actually fix this please respond?", 12,
             (Answer("sam", "Tom, I'm sorry: that isn't good enough, and you shouldn't have had "
                     "to chase it. I've found the duplicate payment of £41.00 on 3 March and "
                     "refunded it to your card (reference BW-48213); it takes 3 to 5 working "
                     "days to show.\n\nI've also passed your hold times on to the contact "
                     "centre team.", 2, accepted=True, helpful=("tom_h", "grace")),
              Answer("grace", "Same thing happened to me in February. Worth everyone checking "
                     "their statements.", 6, helpful=("oliver",)),
              Answer("tom_h", "Refund arrived this morning. Thanks for sorting it, Sam. The "
                     "phone queue still needs work though.", 70))),
    Question("grace", BILLING, "Can I switch from monthly to annual billing mid-contract?",
             "I'd rather pay once a year. Can I change that in the middle of my contract, or "
             "do I have to wait for it to end?", 9,
             (Answer("oliver", "I did it last year: **My Account → Billing → Payment "
                     "schedule**. It switched from the next bill.", 4, accepted=True,
                     helpful=("grace",)),
              Answer("sam", "Oliver's right. One thing to know: the 5% annual discount starts "
                     "from the first annual payment, not backdated.", 8, helpful=("grace",)))),
    Question("dan.k", BILLING, "Do I get money back for days without service in an outage?",
             "We had no internet from Tuesday to Thursday last week. Is there compensation, "
             "and do I need to claim it?", 4,
             (Answer("sam", "Yes: automatic compensation applies after two full days without "
                     "service, at £9.33 per day. It's added to your next bill; you don't need "
                     "to claim. If it's missing, post here and I'll check.", 5,
                     helpful=("dan.k",)),)),
    Question("oliver", STARTED, "How do I set up the Brightwave Hub 3 for the first time?",
             "Just received the box. The leaflet is tiny. What's the right order of things?",
             17,
             (Answer("sam", "Welcome aboard! The short version:\n\n1. Plug the grey cable "
                     "into the **broadband** socket on the hub and the wall socket.\n2. Power "
                     "on and wait for the light to turn **solid white** (up to 10 minutes on "
                     "the first day).\n3. Join the Wi-Fi named on the card on the back.\n4. "
                     "Open the My Brightwave app to finish setup.", 1, accepted=True,
                     helpful=("oliver", "priya", "dan.k")),
              Answer("oliver", "Worked first time. Solid white light it is.", 3))),
    Question("priya", STARTED, "What is the default Wi-Fi password for the new hub?",
             "I can see the network name but I can't find the password anywhere.", 15,
             (Answer("grace", "It's on the pull-out card at the back of the hub, under "
                     "*Wireless key*. You can change it later in the app.", 1, accepted=True,
                     helpful=("priya",)),)),
    Question("dan.k", STARTED, "Can I keep my old landline number when I move to Brightwave?",
             "Moving from another provider next month. I've had the same number for 20 years "
             "and would hate to lose it.", 11,
             (Answer("sam", "Yes, you can keep it. Choose **Keep my number** when you order "
                     "and we'll arrange the transfer with your old provider; it happens on your "
                     "switch-over day, so there's no gap.", 6, helpful=("dan.k", "grace")),)),
    Question("grace", STARTED, "Is there a way to see my data usage on the mobile SIM?",
             "I'm on the 30GB SIM plan. Where can I check how much I've used this month?", 1),
    Question("tom_h", DEVICES, "Wi-Fi drops every evening around 8pm",
             "Every evening between 8 and 10 the Wi-Fi drops for a minute or two, several times. "
             "Daytime is fine. Hub 3, Fibre 300.", 14,
             (Answer("oliver", "Try moving the 5GHz band off channel 36 in the hub settings; "
                     "lots of neighbours' routers pile onto it in the evening.", 2,
                     helpful=("tom_h",)),
              Answer("priya", "@sam is there a known fault in the area? Mine does the same "
                     "thing in the evenings.", 5),
              Answer("sam", "Thanks for the tag, Priya. There was congestion on a street "
                     "cabinet serving both of you; engineers upgraded it on the 12th. Also "
                     "update the hub to firmware `3.2.1` (Settings → Updates), which fixes an "
                     "evening Wi-Fi restart.", 9, accepted=True, helpful=("tom_h", "priya")))),
    Question("oliver", DEVICES, "Hub 3 orange light blinking after a power cut",
             "We had a short power cut and since then the hub's light blinks orange. "
             "Restarting didn't help.", 7,
             (Answer("sam", "Blinking orange means the hub can't sync with the line. Check the "
                     "grey cable is clicked in at both ends, then hold the reset pin for 10 "
                     "seconds. If it's still orange after 15 minutes, reply and I'll run a line "
                     "test.", 1, accepted=True, helpful=("oliver",)),)),
    Question("priya", DEVICES, "Best place for a Wi-Fi booster disc in a three-storey house?",
             "Hub is in the hallway on the ground floor. The top floor barely gets a signal. "
             "Where should the booster go?", 6,
             (Answer("dan.k", "Halfway: first floor landing worked for us. Keep it off the "
                     "floor and away from the boiler cupboard.", 3, helpful=("priya",)),
              Answer("grace", "Ours is on a shelf on the first floor, directly above the hub. "
                     "Top floor went from 1 bar to full.", 20))),
    Question("dan.k", DEVICES, "Can I use my own router instead of the Brightwave Hub?",
             "I have a mesh system I like. Can I plug it in directly, and what settings does "
             "it need?", 5,
             (Answer("sam", "Yes. Connect it to the ONT (the white box) and use these settings:"
                     "\n\n```\nConnection: IPoE (DHCP)\nVLAN: 101\nDNS: automatic\n```\n\nKeep "
                     "the Brightwave Hub somewhere safe in case we ask you to test with it.", 4,
                     accepted=True, helpful=("dan.k", "oliver")),)),
    Question("grace", DEVICES, "VoLTE calls keep dropping on a Pixel 8",
             "Calls drop after about 30 seconds when 4G calling is on. Turning it off fixes "
             "it, but then I get no signal indoors.", 0.5),
    Question("oliver", IDEAS, "Please add a dark mode to the My Brightwave app",
             "The app is blinding at night. A dark theme that follows the phone's setting "
             "would be great.", 10,
             (Answer("priya", "+1, this would be really welcome.", 2, helpful=("oliver",)),
              Answer("mia", "I've merged a duplicate request into this thread: please add "
                     "your support here rather than starting a new one.", 6),
              Answer("sam", "Passed on to the app team. It's on their list for later this "
                     "year; I can't promise a date yet, but I'll update this thread.", 26,
                     helpful=("oliver", "priya")))),
    Question("tom_h", IDEAS, "Let us pause parental controls for a single device",
             "Parental controls are all-or-nothing. I'd like to pause them for my laptop only "
             "without turning them off for the kids' tablets.", 2),
    Question("priya", IDEAS, "Send the monthly bill as a PDF attachment by email",
             "I file my bills for work expenses. Having the PDF attached to the email would "
             "save me logging in every month.", 3),
)


# -- the admin login ---------------------------------------------------------------------------
def login_path(instance_path: str) -> Path:
    """Where the demo admin's password is kept."""
    return Path(instance_path) / LOGIN_FILE


def read_password(instance_path: str) -> str | None:
    """The recorded demo password, if there is one."""
    try:
        lines = login_path(instance_path).read_text().splitlines()
    except OSError:
        return None
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    return values.get("password") or None


def _write_password(instance_path: str, password: str) -> None:
    path = login_path(instance_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"username={ADMIN}\npassword={password}\n")
    path.chmod(0o600)  # the file may have existed with looser permissions


def _usable(password: str) -> bool:
    """True when the password passes the strength rules for every demo account."""
    try:
        for person in PEOPLE:
            services.check_password_strength(
                password, username=person.username, email=_email(person)
            )
    except services.ValidationError:
        return False
    return True


def _new_password() -> str:
    """A random password every demo account accepts."""
    while True:
        password = secrets.token_urlsafe(12)
        if _usable(password):
            return password


def login_line(instance_path: str) -> str:
    """The line printed on every start: how to sign in as the demo admin."""
    password = read_password(instance_path)
    if password is None:
        return (f"Demo admin login: not available ({login_path(instance_path)} is missing; "
                "the database was not seeded by seed-demo).")
    return f"Demo admin login: {ADMIN} / {password}"


# -- seeding -----------------------------------------------------------------------------------
def has_users() -> bool:
    """True once anyone has an account: the demo only fills an empty forum."""
    return db.session.scalar(select(User.id).limit(1)) is not None


def _email(person: Person) -> str:
    return f"{person.username}@example.com"


def seed(instance_path: str) -> str:
    """Create the demo people, categories and conversations; returns a short summary."""
    password = read_password(instance_path)
    if password is None or not _usable(password):  # reuse the recorded one if still good
        password = _new_password()
    _write_password(instance_path, password)
    people = {
        p.username: services.register_user(p.username, _email(p), password,
                                           display_name=p.display_name, role=p.role)
        for p in PEOPLE
    }
    now = utcnow()
    for n, person in enumerate(people.values()):  # members before their back-dated questions
        person.created_at = now - timedelta(days=90 - 7 * n)
    db.session.commit()
    categories = {
        name: services.create_category(name, description, actor=None)
        for name, description in CATEGORIES
    }
    threads = {}
    for question in QUESTIONS:
        threads[question.title] = _ask(question, people, categories, now)
    replies = sum(len(q.answers) for q in QUESTIONS)
    parts = [f"{len(people)} people", f"{len(categories)} categories",
             f"{len(QUESTIONS)} questions", f"{replies} replies"]
    app = current_app._get_current_object()
    # a command runs outside any request: receivers build links (a help article's address on
    # the threads it answers) against the configured site address, as mail does
    with app.test_request_context("/", base_url=app.config["BASE_URL"]):
        added = signals.demo_seeded.send(app, people=people, categories=categories,
                                         threads=threads)
    parts += [phrase for _receiver, phrase in added if phrase]
    return ", ".join(parts)


def _ask(question: Question, people: dict, categories: dict, now) -> Thread:
    """Post one question with its answers, accepted answer and helpful votes."""
    asked_at = now - timedelta(days=question.days_ago)
    thread = services.create_thread(
        author=people[question.author], title=question.title, body=question.body,
        category=categories[question.category], created_at=asked_at,
    )
    for answer in question.answers:
        post = services.reply(thread, author=people[answer.author], body=answer.body,
                              created_at=asked_at + timedelta(hours=answer.hours))
        for voter in answer.helpful:
            services.vote_helpful(post, actor=people[voter])
        if answer.accepted:
            services.accept_answer(post, actor=people[question.author])
    return thread
