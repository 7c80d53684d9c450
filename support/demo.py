"""The demo community's support workspace, so `make run` shows it in use: tags on a few
threads, a saved reply, an assigned thread with an internal note, and a private case."""
from __future__ import annotations

TAGS = {"Outage": "Do I get money back for days without service in an outage?",
        "Billing": "Why did my bill go up by £6 this month?",
        "Hub 3": "Hub 3 orange light blinking after a power cut"}
SAVED_REPLY = ("Thanks for waiting",
               "Hi {customer_name}, I'm {agent_name} from the support team. Thanks for your "
               "patience with “{thread_title}”. ")
ASSIGNED = "VoLTE calls keep dropping on a Pixel 8"
NOTE = ("Pixel 8 VoLTE drops were reported twice this week; engineering ticket NET-2291 "
        "is open. Ask for the phone's software version.")
CASE = ("Refund for the outage days",
        "Hi, my broadband was down from Monday to Wednesday. My account number is 40417789. "
        "Can you refund those days?")


def on_demo_seeded(sender, *, people: dict, threads: dict, **_extra) -> str:
    """Add the workspace's demo content through its services; the summary phrase."""
    from support.cases import services as cases
    from support.tools import services as tools
    from support.triage import services as triage

    agent, customer = people.get("sam"), people.get("grace")
    if agent is None or customer is None:
        return ""
    for name, title in TAGS.items():
        tag = tools.create_tag(actor=agent, name=name)
        if title in threads:
            tools.tag_thread(threads[title], tag, actor=agent)
    tools.create_saved_reply(actor=agent, title=SAVED_REPLY[0], body=SAVED_REPLY[1])
    if ASSIGNED in threads:
        triage.assign(threads[ASSIGNED], actor=agent, assignee=agent)
        tools.add_note(threads[ASSIGNED], actor=agent, body=NOTE)
    cases.open_case(actor=customer, subject=CASE[0], body=CASE[1])
    return f"{len(TAGS)} tags, a saved reply, an assigned thread with a note, a private case"
