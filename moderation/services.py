"""Moderation use cases: screening submissions, flags, the review queue, decisions,
sanctions, appeals, rule changes and learning. One use case = one commit, with its audit
rows in the same transaction (written through moderation/audit.py only)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from forum import permissions, restrictions, signals
from forum import services as forum_services
from forum.extensions import db
from forum.models import (
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    PostStatus,
    Thread,
    User,
    utcnow,
)
from forum.restrictions import Restriction, RestrictionKind
from forum.screening import ModerationNote, Screening, ScreenRequest, SubmissionKind
from forum.services import Conflict, NotFound, PermissionDenied, ValidationError
from moderation import audit, engine, learning, queries
from moderation import signals as moderation_signals
from moderation.audit import AuditAction
from moderation.engine import data as engine_data
from moderation.engine import trust
from moderation.engine.pii import mask_payment_numbers, masked_numbers
from moderation.models import (
    Appeal,
    AppealStatus,
    Flag,
    FlagOutcome,
    FlagReason,
    MemberStanding,
    PrivateConversation,
    PrivateMessage,
    ReviewItem,
    ReviewSource,
    ReviewStatus,
    RuleSetVersion,
    Sanction,
    SanctionKind,
    TrainingTask,
)
from moderation.runtime import current_config, current_rules, runtime

ACTION_STATUS = {
    engine.Action.PUBLISH: PostStatus.PUBLISHED,
    engine.Action.PUBLISH_REDACTED: PostStatus.PUBLISHED,
    engine.Action.HOLD: PostStatus.HELD,
    engine.Action.REJECT: PostStatus.REJECTED,
}
SPAM_RULES = frozenset({"R2", "R3"})
CLAIM_MINUTES = 15
LADDER = [
    (SanctionKind.WARNING, None),
    (SanctionKind.MUTE, 1),
    (SanctionKind.SUSPENSION, 7),
    (SanctionKind.BAN, None),
]
HELD_EDIT_NOTE = ("Your edit is not live yet: the published version of your post stays up "
                  "until a moderator decides. ")
HELD_EDIT_ITEM = "An edit of a published post (the published version stays up meanwhile). "


class Unchanged(Conflict):
    """A save that would publish nothing new (the rules as they already are)."""


STAFF_FLAG_WEIGHT = 3.0
MEMBER_FLAG_WEIGHT_CAP = 2.5
PROTECTED_CHECK = "abuse.brand_criticism"
SEVERITY = {SanctionKind.MUTE: 1, SanctionKind.SUSPENSION: 2, SanctionKind.BAN: 3}
APPEAL_LINK_SECONDS = 30 * 86400


def _require(allowed: bool, message: str = "Only moderators can do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# -- standing and facts ------------------------------------------------------------------------
def standing(user: User) -> MemberStanding:
    """A member's standing row, created on first need (not committed here)."""
    row = db.session.get(MemberStanding, user.id)
    if row is None:
        row = MemberStanding(user_id=user.id, trust_level=4 if user.is_staff_side else 0)
        db.session.add(row)
        db.session.flush()
    return row


def _refresh_trust(user: User, row: MemberStanding, now: datetime) -> None:
    """Promote when earned (time, posts, accepted answers, clean history)."""
    stats = queries.trust_stats(user, row.accepted_answers, now)
    level = trust.next_level(row.trust_level, stats)
    if level != row.trust_level:
        audit.record(AuditAction.TRUST_CHANGED, actor=None, target_type="user", target_id=user.id,
                     subject_user_id=user.id, before={"trust_level": row.trust_level},
                     after={"trust_level": level}, reason="earned by activity")
        row.trust_level = level


def author_facts(user: User, now: datetime, *, editing: Post | None = None) -> engine.AuthorFacts:
    """What the engine may know about an author. The post being edited (or resubmitted after
    a fix) is not one of their earlier posts: it is left out, so it is never its own copy."""
    row = standing(user)
    _refresh_trust(user, row, now)
    since = now - timedelta(seconds=current_app.config["MODERATION_RECENT_SECONDS"])
    query = (select(Post.id, Post.body_source, Post.created_at, Post.thread_id)
             .where(Post.author_id == user.id, Post.created_at >= since))
    if editing is not None and editing.id is not None:
        query = query.where(Post.id != editing.id)
    recent = db.session.execute(query.order_by(Post.created_at.desc()).limit(50)).all()
    sanctions = db.session.scalar(
        select(func.count(Sanction.id)).where(Sanction.user_id == user.id)
    ) or 0
    return engine.AuthorFacts(
        author_id=user.id, trust_level=row.trust_level,
        account_age_days=(now - user.created_at).total_seconds() / 86400,
        post_count=user.post_count,
        recent_submissions=tuple(_recent(*found) for found in recent),
        past_sanctions=sanctions, is_staff=user.is_staff_side, name=user.username,
    )


def _recent(post_id: int, text: str, at: datetime, thread_id: int) -> engine.RecentSubmission:
    """One recent post for the engine; its id lets the engine skip the post being edited."""
    return engine.RecentSubmission(text, at, thread_id, post_id=post_id)


def active_restriction(user: User, now: datetime | None = None) -> Sanction | None:
    """The ban, suspension or mute that binds this member now, if any: the most severe one
    (a later mute does not soften an earlier ban), the latest among equals. A lifted or
    ended sanction no longer counts, so lifting it (or its end passing) restores everything."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Sanction).where(
            Sanction.user_id == user.id, Sanction.lifted_at.is_(None),
            Sanction.kind.in_(list(SEVERITY)),
            (Sanction.ends_at.is_(None)) | (Sanction.ends_at > now),
        )
    ).all()
    return max(rows, key=lambda row: (SEVERITY[row.kind], row.id), default=None)


class SanctionRestrictions:
    """Plugged into the forum's permission questions by the composition root: the forum asks
    what restriction applies to a member and gets a plain forum-side answer."""

    def restriction(self, user: User) -> Restriction | None:
        """The binding sanction as a forum Restriction, with its rule's title and appeal link."""
        row = active_restriction(user)
        if row is None:
            return None
        try:
            title = current_rules().rule(row.rule_code).title
        except KeyError:  # a rule removed since: the code still says what was cited
            title = ""
        return Restriction(kind=RestrictionKind(row.kind.value), rule_code=row.rule_code,
                           rule_title=title, reason=row.reason, ends_at=row.ends_at,
                           appeal_url=appeal_url(row))


def _appeal_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sanction-appeal")


def appeal_url(row: Sanction) -> str:
    """Where the member reads and appeals a sanction. Suspended and banned members cannot sign
    in, so theirs is a signed, expiring link (given only after a password or a live session
    proved who they are); a muted member appeals from their moderation record."""
    try:
        if row.kind is SanctionKind.MUTE:
            return url_for("moderation.mine", _anchor=f"sanction-{row.id}")
        token = _appeal_serializer().dumps({"s": row.id, "u": row.user_id})
        return url_for("moderation_public.sanctioned", token=token)
    except RuntimeError:  # no request and no SERVER_NAME (CLI): no link to give
        return ""


def sanction_for_appeal_token(token: str) -> Sanction:
    """The sanction a signed appeal link is for; refuses forged or expired links."""
    try:
        data = _appeal_serializer().loads(token, max_age=APPEAL_LINK_SECONDS)
    except SignatureExpired as exc:
        raise ValidationError("This link has expired. Try to sign in again for a new one.") \
            from exc
    except BadSignature as exc:
        raise NotFound("This link is not valid.") from exc
    row = db.session.get(Sanction, data.get("s"))
    if row is None or row.user_id != data.get("u"):
        raise NotFound("This link is not valid.")
    return row


# -- screening (the forum's screener) ----------------------------------------------------------
class ModerationScreener:
    """Plugged into forum posting by the composition root."""

    def screen(self, request: ScreenRequest) -> Screening:
        """Run the engine on a submission and translate its verdict for the forum."""
        if not current_app.config["MODERATION_ENABLED"]:
            return Screening()
        now = utcnow()
        restriction = active_restriction(request.author, now)
        if restriction is not None:
            return Screening(refuse=True, rules=(restriction.rule_code,),
                             explanation=_restriction_message(restriction))
        flood = _DeferredFlood(runtime().flood)
        verdict = engine.screen(
            _submission(request, now), author_facts(request.author, now, editing=request.post),
            rules=current_rules(), model=runtime().model(), config=current_config(),
            flood_index=flood, now=now,
        )
        # The public reads the redacted version; a held or rejected author gets back what
        # they typed (card and bank numbers masked), to fix and resubmit.
        own = mask_payment_numbers(request.body)
        published = verdict.action.published
        return Screening(
            status=ACTION_STATUS[verdict.action],
            title=verdict.title if published else mask_payment_numbers(request.title),
            body=verdict.body if published else own,
            rules=tuple(sorted({h.rule for h in verdict.hits})),
            explanation=verdict.explanation, private_followup=verdict.offer_private_followup,
            detail=_Detail(verdict, own, flood),
        )

    def record(self, request: ScreenRequest, screening: Screening, *, post: Post) -> None:
        """Queue held posts, log every automatic action, open private follow-ups."""
        if screening.detail is None:
            return
        verdict, original = screening.detail.verdict, screening.detail.original
        screening.detail.flood.commit(thread_id=post.thread_id)
        if verdict.action is engine.Action.PUBLISH:
            return
        held_edit = (request.kind is SubmissionKind.EDIT and post.status is PostStatus.PUBLISHED
                     and not verdict.action.published)
        if held_edit:
            verdict = dataclasses.replace(verdict, explanation=HELD_EDIT_ITEM + verdict.explanation)
        action = {
            engine.Action.PUBLISH_REDACTED: AuditAction.AUTO_PUBLISH_REDACTED,
            engine.Action.HOLD: AuditAction.AUTO_HOLD,
            engine.Action.REJECT: AuditAction.AUTO_REJECT,
        }[verdict.action]
        rule = screening.rules[0] if screening.rules else None
        # A redacted post's private data goes only to the private follow-up, never the log.
        snapshot = post.body_source if verdict.action.published else original
        audit.record(action, actor=None, target_type="post", target_id=post.id,
                     subject_user_id=post.author_id, rule_code=rule,
                     reason=verdict.explanation, text_snapshot=snapshot,
                     after={"status": post.status.value, "rules": list(screening.rules),
                            "scores": _rounded(verdict.scores)})
        if verdict.action in (engine.Action.HOLD, engine.Action.REJECT):
            _open_item(post, ReviewSource.AUTOMATIC, verdict, original)
            _send_verdict(verdict.action is engine.Action.HOLD, post, rules=screening.rules,
                          reason=verdict.explanation, text=original, source="screening",
                          edit=held_edit)
        if screening.private_followup:
            _open_private_followup(post, original, verdict.explanation)
        message = screening.explanation
        _notify(post.author_id, post, HELD_EDIT_NOTE + message if held_edit else message)


    def note(self, post: Post) -> ModerationNote | None:
        """The latest review decision or automatic verdict behind a held or rejected post."""
        if post.status not in (PostStatus.HELD, PostStatus.REJECTED):
            return None
        item = db.session.scalar(
            select(ReviewItem).where(ReviewItem.post_id == post.id)
            .order_by(ReviewItem.id.desc()).limit(1)
        )
        if item is None:
            return None
        if item.decision_rule and item.decision_message:
            return ModerationNote((item.decision_rule,), item.decision_message)
        return ModerationNote(tuple(item.rules), item.explanation)

    def redact(self, text: str, *, author: User) -> str:
        """The public version of a text: private data removed (and swearing masked) exactly
        as the engine does when it publishes a submission."""
        if not text or not current_app.config["MODERATION_ENABLED"]:
            return text
        now = utcnow()
        facts = engine.AuthorFacts(author_id=author.id, is_staff=author.is_staff_side,
                                   name=author.username)
        verdict = engine.screen(engine.Submission(body=text, submitted_at=now), facts,
                                rules=current_rules(), model=None, config=current_config(),
                                flood_index=None, now=now, record=False)
        return verdict.body


@dataclasses.dataclass
class _Detail:
    """What record() needs from screen(): the verdict, the author's text (payment numbers
    masked) and the flood index's pending entry."""

    verdict: engine.Verdict
    original: str
    flood: _DeferredFlood


class _DeferredFlood:
    """The shared flood index, with the new submission's entry held back until the post is
    stored: a new thread has no id when screened, and an entry without one would later count
    as a copy of the thread's own question when its author edits it or resubmits it."""

    def __init__(self, index: engine.FloodIndex):
        self._index = index
        self._pending: tuple[tuple, dict] | None = None

    def __getattr__(self, name: str):
        return getattr(self._index, name)

    def add(self, *args, **kwargs) -> None:
        """Remember the entry; commit() adds it once the post has its thread."""
        self._pending = (args, kwargs)

    def commit(self, *, thread_id: int) -> None:
        """Add the held-back entry under the thread the post was stored in."""
        if self._pending is not None:
            args, kwargs = self._pending
            self._pending = None
            self._index.add(*args, **{**kwargs, "thread_id": thread_id})


def _submission(request: ScreenRequest, now: datetime) -> engine.Submission:
    thread = request.thread
    context = None
    if thread is not None:
        context = engine.ThreadContext(thread_id=thread.id, title=thread.title)
    kind = {SubmissionKind.NEW_THREAD: engine.Kind.NEW_THREAD,
            SubmissionKind.REPLY: engine.Kind.REPLY,
            SubmissionKind.EDIT: engine.Kind.EDIT}[request.kind]
    # Only a question has a title of its own: a reply (or an edit of one) is its body alone,
    # as it was fingerprinted when first posted.
    own_title = request.kind is SubmissionKind.NEW_THREAD or (
        request.post is not None and request.post.is_question)
    title = request.title if own_title else ""
    editing = request.kind is SubmissionKind.EDIT and request.post is not None
    # The body goes as typed, quotes included: the engine tells quoted text from the author's.
    return engine.Submission(body=request.body, title=title, kind=kind, thread=context,
                             submitted_at=now, post_id=request.post.id if editing else None)


def _rounded(scores: dict) -> dict:
    return {k: round(float(v), 4) for k, v in scores.items()}


def _restriction_message(sanction: Sanction) -> str:
    until = f" until {sanction.ends_at:%Y-%m-%d %H:%M} UTC" if sanction.ends_at else ""
    return (f"You cannot post right now: a {sanction.kind.value} under {sanction.rule_code}"
            f"{until}. Reason: {sanction.reason} You can appeal it from your moderation page.")


def _open_item(post: Post, source: ReviewSource, verdict, original: str) -> ReviewItem:
    existing = _pending_item(post)
    rules = sorted({h.rule for h in verdict.hits}) if verdict is not None else []
    if existing is not None:
        existing.text_snapshot = original
        existing.rules = sorted(set(existing.rules) | set(rules))
        return existing
    status = ReviewStatus.PENDING
    item = ReviewItem(
        post_id=post.id, thread_id=post.thread_id, author_id=post.author_id, source=source,
        rules=rules, scores=_rounded(verdict.scores) if verdict else {},
        explanation=verdict.explanation if verdict else "", text_snapshot=original,
        suggested_action=verdict.action.value if verdict else "hold", status=status,
    )
    if verdict is not None and verdict.action is engine.Action.REJECT:
        item.status, item.decision = ReviewStatus.REJECTED, "auto_reject"
        item.decided_at = utcnow()
        item.decision_rule = rules[0] if rules else None
    db.session.add(item)
    return item


def _send_verdict(held: bool, post: Post, *, rules, reason: str, text: str, source: str,
                  actor: User | None = None, edit: bool = False) -> None:
    """Tell listeners (webhooks) of a hold or a rejection once the use case commits."""
    signal = moderation_signals.post_held if held else moderation_signals.post_rejected
    signals.send_after_commit(signal, post=post, rules=tuple(rules), reason=reason,
                              text=mask_payment_numbers(text or ""), source=source,
                              actor=actor, edit=edit)


def _pending_item(post: Post) -> ReviewItem | None:
    return db.session.scalar(
        select(ReviewItem).where(ReviewItem.post_id == post.id,
                                 ReviewItem.status == ReviewStatus.PENDING)
    )


def _notify(user_id: int, post: Post | None, message: str, actor: User | None = None) -> None:
    db.session.add(Notification(
        user_id=user_id, kind=NotificationKind.MODERATION, message=message,
        actor_id=actor.id if actor else None,
        thread_id=post.thread_id if post else None, post_id=post.id if post else None,
    ))


def _open_private_followup(post: Post, original: str, explanation: str) -> None:
    thread = db.session.get(Thread, post.thread_id)
    conversation = PrivateConversation(customer_id=post.author_id, thread_id=post.thread_id,
                                       post_id=post.id, subject=thread.title[:200])
    db.session.add(conversation)
    db.session.flush()
    db.session.add(PrivateMessage(
        conversation_id=conversation.id, author_id=post.author_id, body_source=original,
        body_html=forum_services.render_markdown(original),
    ))
    audit.record(AuditAction.PRIVATE_FOLLOWUP, actor=None, target_type="conversation",
                 target_id=conversation.id, subject_user_id=post.author_id, rule_code="R4",
                 reason=explanation)


def post_private_message(conversation: PrivateConversation, *, actor: User, body: str):
    """Add a message to a private follow-up (the customer or staff only)."""
    _require(actor.id == conversation.customer_id or permissions.is_staff(actor),
             "This conversation is private.")
    body = (body or "").strip()
    if not body:
        raise ValidationError("Please write a message.", field="body")
    limit = current_app.config["MAX_POST_LENGTH"]
    if len(body) > limit:
        raise ValidationError(f"Messages are at most {limit} characters.", field="body")
    message = PrivateMessage(conversation_id=conversation.id, author_id=actor.id,
                             body_source=body, body_html=forum_services.render_markdown(body))
    db.session.add(message)
    if actor.id != conversation.customer_id:
        _notify(conversation.customer_id, None,
                f"Support replied in your private conversation “{conversation.subject}”.", actor)
    db.session.commit()
    return message


# -- flags -------------------------------------------------------------------------------------
def flag_weight(user: User) -> float:
    """How much one member's flag counts toward hiding a post (Discourse's idea: trusted,
    accurate flaggers count for more, so a handful of fresh accounts cannot hide a post).

    weight = (0.5 + 0.25 * trust_level) * 2 * accuracy, capped at 2.5; staff flags weigh 3.0.
    accuracy = (upheld + 1) / (upheld + dismissed + 2), Laplace-smoothed: 0.5 with no history,
    so a new account (trust 0) weighs 0.5, a trust-2 member with no history 1.0, and a trust-3
    member with 8 of 8 flags upheld 1.25 * 2 * 0.9 = 2.25; dismissed flags pull it toward 0.
    """
    if user.is_staff_side:
        return STAFF_FLAG_WEIGHT
    row = standing(user)
    decided = row.flags_upheld + row.flags_dismissed
    accuracy = (row.flags_upheld + 1) / (decided + 2)
    weight = (0.5 + 0.25 * row.trust_level) * 2 * accuracy
    return round(min(weight, MEMBER_FLAG_WEIGHT_CAP), 3)


def _protected_criticism(item: ReviewItem) -> bool:
    """The checks read the flagged text as criticism of the brand (R7): flags queue it for a
    moderator but never hide it on their own, whatever their weight."""
    return float((item.scores or {}).get(PROTECTED_CHECK, 0)) >= 0.5


def flag_post(post: Post, *, actor: User, reason: FlagReason, text: str = "") -> Flag:
    """Flag a post once; enough weight hides it until a moderator decides."""
    _require(permissions.can_post(actor), "Please sign in to flag posts.")
    if post.author_id == actor.id:
        raise Conflict("You cannot flag your own post.")
    if post.status is not PostStatus.PUBLISHED:
        raise Conflict("This post is not public.")
    forum_services.require_unrestricted(actor, "flag posts")
    _require(permissions.can_flag(actor, post), "You cannot flag this post.")
    if db.session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == actor.id)):
        raise Conflict("You have already flagged this post.")
    try:
        reason = FlagReason(reason)
    except ValueError as exc:
        raise ValidationError("Choose a reason for the flag.", field="reason") from exc
    if reason is FlagReason.OTHER and not text.strip():
        raise ValidationError("Please say what is wrong.", field="text")
    flag = Flag(post_id=post.id, user_id=actor.id, reason=reason, text=text.strip()[:1000],
                weight=flag_weight(actor))
    db.session.add(flag)
    item = _pending_item(post)
    if item is None:
        item = _open_item(post, ReviewSource.FLAGS, None, post.body_source)
        item.scores = _text_scores(post)
    rule = current_rules().rule_for_flag(reason.value)
    if rule is not None and rule.code not in item.rules:
        item.rules = [*item.rules, rule.code]
    item.flag_weight = round(item.flag_weight + flag.weight, 3)
    audit.record(AuditAction.FLAG, actor=actor, target_type="post", target_id=post.id,
                 subject_user_id=post.author_id, rule_code=rule.code if rule else None,
                 reason=f"{reason.value}: {flag.text}".strip(": "),
                 text_snapshot=post.body_source)
    if (item.flag_weight >= current_app.config["FLAG_HIDE_THRESHOLD"]
            and not _protected_criticism(item)):
        forum_services.set_visibility(post, PostStatus.HELD)
        audit.record(AuditAction.FLAG_HIDE, actor=None, target_type="post", target_id=post.id,
                     subject_user_id=post.author_id, rule_code=rule.code if rule else None,
                     reason="Hidden pending review: members' flags reached the threshold.",
                     text_snapshot=post.body_source, before={"status": "published"},
                     after={"status": "held"})
        _notify(post.author_id, post, "Your post is hidden while a moderator reviews members' "
                f"flags{' under ' + rule.code if rule else ''}. Your text is kept.")
        _send_verdict(True, post, rules=item.rules, source="flags", text=post.body_source,
                      reason="Hidden pending review: members' flags reached the threshold.")
    forum_services.commit_changes(post.thread)
    return flag


def _text_scores(post: Post) -> dict:
    """What the automatic checks make of a flagged post's text now, for the moderator: a
    flagged complaint shows up as brand criticism (allowed), not as abuse. Rate and flood
    checks are left out: they judge the moment of posting, not the text."""
    if not current_app.config["MODERATION_ENABLED"]:
        return {}
    now = utcnow()
    thread = post.thread
    facts = dataclasses.replace(author_facts(post.author, now), recent_submissions=())
    submission = engine.Submission(
        body=post.body_source, title=thread.title if post.is_question else "",
        kind=engine.Kind.NEW_THREAD if post.is_question else engine.Kind.REPLY,
        thread=engine.ThreadContext(thread_id=thread.id, title=thread.title), submitted_at=now,
    )
    verdict = engine.screen(submission, facts, rules=current_rules(), model=runtime().model(),
                            config=current_config(), flood_index=None, now=now, record=False)
    return _rounded(verdict.scores)


# -- the review queue ----------------------------------------------------------------------------
def claim(item: ReviewItem, *, actor: User) -> ReviewItem:
    """Take an item so no other moderator decides it; a stale claim may be taken over."""
    _require(permissions.can_moderate(actor))
    stale = utcnow() - timedelta(minutes=CLAIM_MINUTES)
    won = db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.status == ReviewStatus.PENDING,
               (ReviewItem.claimed_by_id.is_(None)) | (ReviewItem.claimed_by_id == actor.id)
               | (ReviewItem.claimed_at < stale))
        .values(claimed_by_id=actor.id, claimed_at=utcnow())
    ).rowcount
    if not won:
        db.session.rollback()
        raise Conflict("Another moderator has claimed or decided this item.")
    audit.record(AuditAction.CLAIM, actor=actor, target_type="review_item", target_id=item.id,
                 subject_user_id=item.author_id)
    db.session.commit()
    db.session.refresh(item)
    return item


def _take_for_decision(item: ReviewItem, actor: User) -> None:
    """Atomically move a pending item (unclaimed or claimed by this actor) to decided.
    Exactly one of two concurrent moderators wins; the other gets Conflict."""
    stale = utcnow() - timedelta(minutes=CLAIM_MINUTES)
    won = db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.status == ReviewStatus.PENDING,
               (ReviewItem.claimed_by_id.is_(None)) | (ReviewItem.claimed_by_id == actor.id)
               | (ReviewItem.claimed_at < stale))
        .values(decided_by_id=actor.id, decided_at=utcnow(), claimed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        db.session.rollback()
        raise Conflict("Another moderator has claimed or decided this item.")
    db.session.refresh(item)


def _check_rule(rule: str | None) -> str:
    codes = {r.code for r in current_rules().rules}
    if not rule or rule not in codes:
        raise ValidationError("Please choose the rule this decision enforces.", field="rule")
    return rule


def approve(item: ReviewItem, *, actor: User, note: str = "") -> ReviewItem:
    """Publish a held or flagged post (or apply a held edit of a published one, with its
    revision); flags on it are dismissed; the model learns 'ham'."""
    _require(permissions.can_moderate(actor))
    _take_for_decision(item, actor)
    post = item.post
    before = post.status.value
    edit = forum_services.apply_pending_revision(post)
    forum_services.set_visibility(post, PostStatus.PUBLISHED)
    item.status, item.decision, item.decision_message = ReviewStatus.APPROVED, "approve", note
    _settle_flags(post, upheld=False)
    _appeal_granted(item, actor)
    _learn(item, label=False, actor=actor, rules=item.rules, text=post.body_source)
    audit.record(AuditAction.APPROVE, actor=actor, target_type="post", target_id=post.id,
                 subject_user_id=post.author_id, reason=note or "Approved on review.",
                 text_snapshot=post.body_source, before={"status": before},
                 after={"status": "published"})
    if edit is not None:
        _notify(post.author_id, post, "A moderator approved your edit; it is now live.", actor)
    elif before != "published":
        _notify(post.author_id, post, "A moderator approved your post; it is now public.", actor)
    forum_services.commit_changes(post.thread)
    return item


def reject(item: ReviewItem, *, actor: User, rule: str, message: str,
           hide_only: bool = False) -> ReviewItem:
    """Reject (or just hide) a post citing a rule; the author is told why and can fix and
    resubmit or appeal; a rejection counts against the author's trust."""
    _require(permissions.can_moderate(actor))
    rule = _check_rule(rule)
    if not message.strip():
        raise ValidationError("Tell the author what to change.", field="message")
    message = mask_payment_numbers(message)  # it is stored in the item, log and notice
    _take_for_decision(item, actor)
    post = item.post
    before = post.status.value
    # An automatic item on a published post is a held edit: it is turned down on its own and
    # the post stays up (even when a later edit that passed has replaced the proposal).
    edit_only = item.source is ReviewSource.AUTOMATIC and post.status is PostStatus.PUBLISHED
    forum_services.discard_pending_revision(post)
    if not edit_only:
        forum_services.set_visibility(post, PostStatus.REJECTED)
    item.status, item.decision_rule = ReviewStatus.REJECTED, rule
    item.decision = "hide" if hide_only else "reject"
    _appeal_follows(item, actor)
    item.decision_message = message.strip()
    _settle_flags(post, upheld=True, rule=rule, decision=item.decision)
    _learn(item, label=True, actor=actor, rules=[rule])
    if not hide_only:
        _record_violation(post.author)
    title = current_rules().rule(rule).title
    audit.record(AuditAction.HIDE if hide_only else AuditAction.REJECT, actor=actor,
                 target_type="post", target_id=post.id, subject_user_id=post.author_id,
                 rule_code=rule, reason=message.strip(),
                 text_snapshot=item.text_snapshot if edit_only else post.body_source,
                 before={"status": before},
                 after={"status": post.status.value, **({"edit": "rejected"} if edit_only else {})})
    _notify(post.author_id, post, _rejection_message(rule, title, message.strip(),
                                                     edit_only=edit_only), actor)
    _send_verdict(False, post, rules=(rule,), reason=message.strip(), source="moderator",
                  text=item.text_snapshot if edit_only else post.body_source, actor=actor,
                  edit=edit_only)
    forum_services.commit_changes(post.thread)
    return item


def _rejection_message(rule: str, title: str, message: str, *, edit_only: bool) -> str:
    if edit_only:
        return (f"A moderator did not accept your edit under {rule} ({title}): {message} "
                "Your post stays as it was; your edit is kept in the edit form to change.")
    return (f"A moderator removed your post under {rule} ({title}): {message} "
            "Your text is kept: you can edit and resubmit it, or appeal once.")


def edit_and_approve(item: ReviewItem, *, actor: User, body: str, note: str = "") -> ReviewItem:
    """Fix a post's text (e.g. remove a line) and publish it in one step."""
    _require(permissions.can_moderate(actor))
    post = item.post
    forum_services.revise_post(post, editor=actor, body=body)
    _settle_flags(post, upheld=True, rule=item.rules[0] if item.rules else None,
                  decision="edit")  # the edit removed what was flagged
    audit.record(AuditAction.EDIT_APPROVE, actor=actor, target_type="post", target_id=post.id,
                 subject_user_id=post.author_id, reason=note or "Edited and approved.",
                 text_snapshot=item.text_snapshot, before={"body": item.text_snapshot},
                 after={"body": post.body_source})
    return approve(item, actor=actor, note=note or "Edited and approved.")


def _settle_flags(post: Post, *, upheld: bool, rule: str | None = None,
                  decision: str = "") -> None:
    """Record each pending flag's outcome (it feeds the flagger's accuracy) and tell the
    flagger whether it was upheld, naming the rule: the decision's, else the one the flag
    cited."""
    flags = db.session.scalars(
        select(Flag).where(Flag.post_id == post.id, Flag.outcome == FlagOutcome.PENDING)
    ).all()
    rules = current_rules() if flags else None
    for flag in flags:
        flag.outcome = FlagOutcome.UPHELD if upheld else FlagOutcome.DISMISSED
        row = standing(flag.user)
        if upheld:
            row.flags_upheld += 1
        else:
            row.flags_dismissed += 1
        cited = rule or getattr(rules.rule_for_flag(flag.reason.value), "code", None)
        _notify(flag.user_id, post if post.status is PostStatus.PUBLISHED or decision == "edit"
                else None, _flag_outcome_message(post, upheld, decision, _rule_name(cited)))


def _rule_name(code: str | None) -> str:
    """'R1 (Be respectful)', or '' when no rule applies."""
    if not code:
        return ""
    try:
        return f"{code} ({current_rules().rule(code).title})"
    except KeyError:
        return code


def _flag_outcome_message(post: Post, upheld: bool, decision: str, rule: str) -> str:
    title = post.thread.title
    if not upheld:
        under = f" under {rule}" if rule else ""
        return (f"Your flag on a post in “{title}” was not upheld: a moderator reviewed it and "
                f"found nothing to remove{under}. Thank you for looking out for the community.")
    done = "edited the post to fix it" if decision == "edit" else "removed the post"
    return (f"Your flag on a post in “{title}” was upheld: a moderator {done}"
            f"{' under ' + rule if rule else ''}. Thank you.")


def _forgive_violation(user: User) -> None:
    """An overturned decision no longer counts against the member."""
    member = standing(user)
    member.violations = max(0, member.violations - 1)


def _record_violation(user: User) -> None:
    row = standing(user)
    row.violations += 1
    level = trust.after_violation(row.trust_level)
    if level != row.trust_level:
        audit.record(AuditAction.TRUST_CHANGED, actor=None, target_type="user",
                     target_id=user.id, subject_user_id=user.id,
                     before={"trust_level": row.trust_level}, after={"trust_level": level},
                     reason="upheld violation")
        row.trust_level = level


def _learn(item: ReviewItem, *, label: bool, actor: User | None, rules,
           text: str | None = None) -> None:
    """A decision teaches the classifier of each task its rules name (R1 abuse, R2/R3 spam):
    an approve labels the published text 0 for whatever held it, a reject labels 1."""
    text = text or item.text_snapshot or item.post.body_source
    for task, rule in learning.tasks_for(rules).items():
        learning.record(text, task=task, label=label, author_id=item.author_id, rule=rule,
                        decided_by=actor, review_item_id=item.id)


def pending_count() -> int:
    """Items waiting for a moderator."""
    return db.session.scalar(
        select(func.count(ReviewItem.id)).where(ReviewItem.status == ReviewStatus.PENDING)
    ) or 0


# -- sanctions ---------------------------------------------------------------------------------
def suggested_sanction(user: User) -> tuple[SanctionKind, int | None]:
    """The next rung of the escalation ladder for this member."""
    count = db.session.scalar(
        select(func.count(Sanction.id)).where(Sanction.user_id == user.id,
                                              Sanction.lifted_at.is_(None))
    ) or 0
    return LADDER[min(count, len(LADDER) - 1)]


def sanction(user: User, kind: SanctionKind, *, actor: User, rule: str, reason: str,
             days: int | None = None) -> Sanction:
    """Warn, mute, suspend or ban a member, citing a rule; they are told why."""
    _require(permissions.can_moderate(actor))
    if user.is_staff_side and not permissions.can_admin(actor):
        raise PermissionDenied("Only admins can sanction staff.")
    rule, kind = _check_rule(rule), SanctionKind(kind)
    if not reason.strip():
        raise ValidationError("Give the member a reason.", field="reason")
    ends = None
    if kind in (SanctionKind.MUTE, SanctionKind.SUSPENSION):
        if not days or days < 1:
            raise ValidationError("Say for how many days.", field="days")
        ends = utcnow() + timedelta(days=days)
    row = Sanction(user_id=user.id, kind=kind, rule_code=rule, reason=reason.strip(),
                   ends_at=ends, actor_id=actor.id)
    db.session.add(row)
    _apply_standing(user, kind, ends)
    if kind in (SanctionKind.SUSPENSION, SanctionKind.BAN):
        forum_services.end_sessions(user)  # copied cookies stay dead even once it is lifted
    _record_violation(user)  # a sanction is an upheld violation, as a rejection is
    restrictions.forget(user.id)
    db.session.flush()
    audit.record(AuditAction.SANCTION, actor=actor, target_type="sanction", target_id=row.id,
                 subject_user_id=user.id, rule_code=rule, reason=reason.strip(),
                 after={"kind": kind.value, "ends_at": ends.isoformat() if ends else None})
    title = current_rules().rule(rule).title
    until = f" until {ends:%Y-%m-%d %H:%M} UTC" if ends else ""
    _notify(user.id, None, f"Moderators issued a {kind.value}{until} under {rule} ({title}): "
            f"{reason.strip()} You can appeal it once.", actor)
    db.session.commit()
    return row


def _apply_standing(user: User, kind: SanctionKind, ends: datetime | None) -> None:
    row = standing(user)
    if kind is SanctionKind.MUTE:
        row.muted_until = ends
    elif kind is SanctionKind.SUSPENSION:
        row.suspended_until = ends
    elif kind is SanctionKind.BAN:
        row.banned = True


def lift_sanction(row: Sanction, *, actor: User, reason: str) -> Sanction:
    """End a sanction early."""
    _require(permissions.can_moderate(actor))
    _clear_sanction(row)
    _notify(row.user_id, None, f"Moderators lifted your {row.kind.value} ({row.rule_code}).",
            actor)
    audit.record(AuditAction.LIFT_SANCTION, actor=actor, target_type="sanction",
                 target_id=row.id, subject_user_id=row.user_id, rule_code=row.rule_code,
                 reason=reason or "Lifted.")
    db.session.commit()
    return row


def nuke_spammer(user: User, *, actor: User, reason: str = "Spam account.",
                 rule: str | None = None) -> int:
    """Remove every post of a spam account and ban it, in one step; returns posts removed.
    Only what the checks or a moderator called spam is learnt as spam (a genuine tip the
    account flooded is not); the rule is R2 or R3, by default the one its spam was held under."""
    _require(permissions.can_moderate(actor))
    if user.is_staff_side:
        raise PermissionDenied("Staff accounts cannot be nuked.")
    called = _called_spam(user)
    rule = rule or _account_rule(called)
    if rule not in SPAM_RULES:
        raise ValidationError("A spam account is removed under R2 or R3.", field="rule")
    posts = list(db.session.scalars(
        select(Post).where(Post.author_id == user.id, Post.status != PostStatus.DELETED)
    ))
    threads = {}
    for post in posts:
        forum_services.set_visibility(post, PostStatus.REJECTED)
        threads[post.thread_id] = post.thread
    for item in called.values():
        learning.record(item.text_snapshot or item.post.body_source, task=TrainingTask.SPAM,
                        label=True, author_id=user.id, rule=_spam_rule(item), decided_by=actor,
                        review_item_id=item.id)
    for item in list(db.session.scalars(select(ReviewItem).where(
            ReviewItem.author_id == user.id, ReviewItem.status == ReviewStatus.PENDING))):
        item.status, item.decision, item.decision_rule = ReviewStatus.REJECTED, "nuke", rule
        item.decided_by_id, item.decided_at = actor.id, utcnow()
        _appeal_follows(item, actor)
    db.session.add(Sanction(user_id=user.id, kind=SanctionKind.BAN, rule_code=rule,
                            reason=reason, actor_id=actor.id))
    standing(user).banned = True
    forum_services.end_sessions(user)
    _record_violation(user)
    restrictions.forget(user.id)
    audit.record(AuditAction.NUKE, actor=actor, target_type="user", target_id=user.id,
                 subject_user_id=user.id, rule_code=rule, reason=reason,
                 text_snapshot="\n---\n".join(p.body_source for p in posts[:50]),
                 after={"posts_removed": len(posts), "banned": True})
    forum_services.commit_changes(*threads.values())
    return len(posts)


def _spam_rule(item: ReviewItem) -> str | None:
    """The spam rule (R2/R3) a moderator rejected this item under, else the one the
    automatic checks held or rejected it under; None when nobody called it spam."""
    if item.decided_by_id is not None and item.status is ReviewStatus.REJECTED:
        return item.decision_rule if item.decision_rule in SPAM_RULES else None
    if item.source is ReviewSource.AUTOMATIC:
        return next((r for r in item.rules if r in SPAM_RULES), None)
    return None


def _called_spam(user: User) -> dict[int, ReviewItem]:
    """The account's posts the checks or a moderator called spam, by post (latest item)."""
    items = db.session.scalars(
        select(ReviewItem).where(ReviewItem.author_id == user.id).order_by(ReviewItem.id))
    return {item.post_id: item for item in items if _spam_rule(item)}


def _account_rule(called: dict[int, ReviewItem]) -> str:
    """R3 when the account's spam was mostly scams, else R2."""
    rules = [_spam_rule(item) for item in called.values()]
    return "R3" if rules.count("R3") > rules.count("R2") else "R2"


# -- appeals -----------------------------------------------------------------------------------
def appeal(*, actor: User, text: str, item: ReviewItem | None = None,
           sanction_row: Sanction | None = None) -> Appeal:
    """Appeal a rejection or a sanction, once."""
    target_user = item.author_id if item is not None else sanction_row.user_id
    _require(actor.id == target_user, "You can only appeal decisions about you.")
    if item is not None and not item.appealable:
        raise Conflict("Only a held or rejected post can be appealed.")
    if not text.strip():
        raise ValidationError("Say why the decision should change.", field="text")
    existing = db.session.scalar(select(Appeal.id).where(
        (Appeal.review_item_id == item.id) if item is not None
        else (Appeal.sanction_id == sanction_row.id)))
    if existing:
        raise Conflict("This decision has already been appealed; an appeal is allowed once.")
    original = item.decided_by_id if item is not None else sanction_row.actor_id
    row = Appeal(user_id=actor.id, review_item_id=item.id if item else None,
                 sanction_id=sanction_row.id if sanction_row else None, text=text.strip(),
                 original_moderator_id=original)
    db.session.add(row)
    db.session.flush()
    audit.record(AuditAction.APPEAL, actor=actor, target_type="appeal", target_id=row.id,
                 subject_user_id=actor.id, reason=text.strip())
    db.session.commit()
    return row


def decide_appeal(row: Appeal, *, actor: User, overturn: bool, note: str) -> Appeal:
    """A different moderator upholds or overturns; the author is told the outcome. Overturning
    an appealed hold releases the post, as approving it from the queue would (whoever wins
    the item first decides it); upholding one leaves the post in the queue."""
    _require(permissions.can_moderate(actor))
    if row.status is not AppealStatus.PENDING:
        raise Conflict("This appeal has been decided.")
    item = row.review_item
    if actor.id in (row.original_moderator_id, item.decided_by_id if item else None):
        raise PermissionDenied("A different moderator must decide this appeal.")
    if not note.strip():
        raise ValidationError("Explain the outcome to the member.", field="note")
    held = item is not None and item.status is ReviewStatus.PENDING
    if held and overturn:
        _take_for_decision(item, actor)
    row.status = AppealStatus.OVERTURNED if overturn else AppealStatus.UPHELD
    row.decided_by_id, row.decided_at, row.note = actor.id, utcnow(), note.strip()
    threads, edit = _overturn(row, actor) if overturn else ([], None)
    audit.record(AuditAction.APPEAL_DECIDED, actor=actor, target_type="appeal", target_id=row.id,
                 subject_user_id=row.user_id, reason=note.strip(),
                 after={"outcome": row.status.value, **({"edit": "applied"} if edit else {})})
    _notify(row.user_id, item.post if item else None,
            f"Your appeal was {_appeal_outcome(overturn, held, edit)}. {note.strip()}", actor)
    forum_services.commit_changes(*threads)
    return row


def _appeal_outcome(overturn: bool, held: bool, edit: PostRevision | None) -> str:
    """What the author is told happened, after 'Your appeal was '."""
    if held:
        return ("overturned: your post is released from review and is now public" if overturn
                else "upheld: your post stays held until a moderator reviews it")
    outcome = "overturned: the decision is reversed" if overturn else "upheld: the decision stands"
    if edit is not None:
        outcome += " and your edit is now live" + _masked_note(edit.body_source)
    return outcome


def _pending_appeal(item: ReviewItem) -> Appeal | None:
    """The author's appeal of this item's hold, waiting for a moderator, if any."""
    return db.session.scalar(select(Appeal).where(Appeal.review_item_id == item.id,
                                                  Appeal.status == AppealStatus.PENDING))


def _appeal_follows(item: ReviewItem, actor: User) -> None:
    """A held item the author appealed was rejected from the queue: the appeal now stands
    against that rejection, so the moderator who made it is not the one to decide it."""
    waiting = _pending_appeal(item)
    if waiting is not None:
        waiting.original_moderator_id = actor.id


def _appeal_granted(item: ReviewItem, actor: User) -> None:
    """A held item the author appealed was approved from the queue: the appeal got what it
    asked for and is closed as overturned (the approval notice tells the author)."""
    waiting = _pending_appeal(item)
    if waiting is None:
        return
    note = "Released on review: the post is public."
    waiting.status, waiting.decided_by_id = AppealStatus.OVERTURNED, actor.id
    waiting.decided_at, waiting.note = utcnow(), note
    audit.record(AuditAction.APPEAL_DECIDED, actor=actor, target_type="appeal",
                 target_id=waiting.id, subject_user_id=waiting.user_id, reason=note,
                 after={"outcome": AppealStatus.OVERTURNED.value})


def _masked_note(text: str) -> str:
    """Tell the author where a card or bank number in their live edit shows only its last
    four digits (it was masked when stored, so the full number cannot come back)."""
    found = masked_numbers(text)
    if not found:
        return ""
    numbers = "numbers" if len(found) > 1 else "number"
    return (f", showing {', '.join(found)} in place of the {numbers} you typed: full card and "
            "bank numbers are never stored")


def _overturn(row: Appeal, actor: User) -> tuple[list[Thread], PostRevision | None]:
    """Undo the decision and what it taught: the violation, the flag outcomes, the label. A
    turned-down edit of a published post is applied, as releasing it from the queue would
    have done (returned with the threads to commit)."""
    if row.sanction is not None:
        _clear_sanction(row.sanction)
        _forgive_violation(row.sanction.user)
        return [], None
    item = row.review_item
    counted = item.decision == "reject"  # what counted a violation (a hide or nuke did not)
    if item.decision is None:  # an appealed hold: its flags were never settled
        _settle_flags(item.post, upheld=False)
    item.status, item.decision = ReviewStatus.APPROVED, "overturned_on_appeal"
    # The snapshot has card and bank numbers masked, like every stored copy: the proposal is
    # compared, and applied, in that form (full numbers are never kept to restore).
    edit = forum_services.apply_turned_down_revision(item.post, body=item.text_snapshot,
                                                     stored=mask_payment_numbers)
    forum_services.set_visibility(item.post, PostStatus.PUBLISHED)
    if counted:
        _forgive_violation(item.author)
    for flag in db.session.scalars(select(Flag).where(Flag.post_id == item.post_id,
                                                      Flag.outcome == FlagOutcome.UPHELD)):
        flag.outcome = FlagOutcome.DISMISSED
        flagger = standing(flag.user)
        flagger.flags_upheld = max(0, flagger.flags_upheld - 1)
        flagger.flags_dismissed += 1
    _learn(item, label=False, actor=actor, rules=[item.decision_rule, *item.rules],
           text=item.text_snapshot)
    return [item.post.thread], edit


def _clear_sanction(row: Sanction) -> None:
    row.lifted_at = utcnow()
    restrictions.forget(row.user_id)
    member = standing(row.user)
    if row.kind is SanctionKind.BAN:
        member.banned = False
    elif row.kind is SanctionKind.MUTE:
        member.muted_until = None
    elif row.kind is SanctionKind.SUSPENSION:
        member.suspended_until = None


# -- rules and lists ---------------------------------------------------------------------------
def update_rules(raw: dict, *, actor: User, note: str) -> RuleSetVersion:
    """Publish a new version of the rules (admins); every version is kept and logged."""
    _require(permissions.can_admin(actor), "Only admins edit the community rules.")
    current = current_rules()
    try:
        new = engine.RuleSet.from_dict({**raw, "version": current.version + 1})
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"The rules are not valid: {exc}", field="rules") from exc
    if _normalised_rules(new) == _normalised_rules(current):
        raise Unchanged(f"Nothing changed, so no new version was published: version "
                        f"{current.version} stays in force.")
    if not note.strip():
        raise ValidationError("Say what changed and why.", field="note")
    row = RuleSetVersion(version=new.version, rules=new.to_dict(), note=note.strip(),
                         actor_id=actor.id)
    db.session.add(row)
    audit.record(AuditAction.RULES_CHANGED, actor=actor, target_type="ruleset",
                 target_id=new.version, reason=note.strip(),
                 before={"version": current.version}, after={"version": new.version})
    db.session.commit()
    return row


def _normalised_rules(rules: engine.RuleSet) -> list[dict]:
    """The rules as data, ignoring the version number and whitespace around texts."""
    return [{k: v.strip() if isinstance(v, str) else v for k, v in rule.items()}
            for rule in rules.to_dict()["rules"]]


def train(*, actor: User | None = None) -> engine.ModelBundle:
    """Retrain the classifier on the shipped data plus every moderator decision; the new
    version is saved where all workers load it."""
    if actor is not None:
        _require(permissions.can_admin(actor) or permissions.can_moderate(actor))
    spam = learning.examples(TrainingTask.SPAM)
    abuse = learning.examples(TrainingTask.ABUSE)
    version = runtime().next_model_version()
    bundle = engine.train_models(_training_data_dir(), extra_spam=spam, extra_abuse=abuse,
                                 version=version)
    engine.save_model(bundle, runtime().model_dir)
    audit.record(AuditAction.MODEL_TRAINED, actor=actor, target_type="model", target_id=version,
                 reason=f"trained with {len(spam)} spam and {len(abuse)} abuse decisions",
                 after=bundle.describe())
    db.session.commit()
    return bundle


def _training_data_dir():
    """The public data to train on: MODERATION_DATA_DIR, else the engine's own default."""
    configured = current_app.config.get("MODERATION_DATA_DIR")
    if configured:
        return configured
    default = getattr(engine_data, "default_data_dir", None)
    return default() if default is not None else engine_data.PACKAGE_DATA


def item_or_404(item_id: int) -> ReviewItem:
    """A review item by id."""
    item = db.session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound("No such review item.")
    return item
