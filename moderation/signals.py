"""Signals moderation sends about its verdicts, so features built on it (outbound webhooks)
hear of held and rejected posts without moderation importing them. Queued inside the use case
with forum.signals.send_after_commit and sent once it has committed; receivers get the app as
sender.

Both carry: post (the Post), rules (the rule codes cited, a tuple), reason (what the author
was told), text (the text that was acted on, card and bank numbers masked), source
("screening", "flags" or "moderator"), actor (the moderator, or None for automatic verdicts)
and edit (True when only an edit of a published post was held or turned down).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A post (or an edit of one) was held for review.
post_held = _signals.signal("parley.moderation.post-held")

#: A post (or an edit of one) was rejected: automatically, or by a moderator's decision.
post_rejected = _signals.signal("parley.moderation.post-rejected")
