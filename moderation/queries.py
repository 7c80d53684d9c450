"""Read side of moderation for its pages: the review queue, an author's history, notices on
held posts, appeals, private conversations, rule history, transparency counts and the
dashboard's figures. Each costs a fixed number of queries, whatever the number of rows."""
from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import permissions
from forum import queries as forum_queries
from forum.extensions import db
from forum.models import Notification, NotificationKind, Post, Thread, User, utcnow
from forum.queries import Page
from moderation import audit, engine
from moderation.audit import AuditAction
from moderation.engine import trust
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditEvent,
    BadDomain,
    Flag,
    FlagOutcome,
    MemberStanding,
    PrivateConversation,
    PrivateMessage,
    ReviewItem,
    ReviewSource,
    ReviewStatus,
    RuleSetVersion,
    Sanction,
    SanctionKind,
    TrainingExample,
)
from moderation.runtime import current_config, current_rules, runtime

AGES = {"1h": 1, "24h": 24, "7d": 24 * 7}
UPHELD = ("reject", "hide", "nuke")
RELEASED = ("approve", "overturned_on_appeal")
TRANSPARENCY_ACTIONS = (
    AuditAction.AUTO_HOLD, AuditAction.AUTO_REJECT, AuditAction.AUTO_PUBLISH_REDACTED,
    AuditAction.REJECT, AuditAction.HIDE, AuditAction.SANCTION, AuditAction.FLAG_HIDE,
    AuditAction.NUKE,
)


def _page_of(stmt, count_stmt, *, page: int, per_page: int) -> Page:
    total = db.session.scalar(count_stmt) or 0
    page = max(1, page)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)


# -- members' standing ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StandingView:
    """A member's trust and track record as pages show it (defaults before any activity)."""

    trust_level: int = 0
    violations: int = 0
    flags_upheld: int = 0
    flags_dismissed: int = 0
    muted_until: datetime | None = None
    suspended_until: datetime | None = None
    banned: bool = False


def _view_of(row: MemberStanding | None, user: User) -> StandingView:
    if row is None:
        return StandingView(trust_level=4 if user.is_staff_side else 0)
    return StandingView(row.trust_level, row.violations, row.flags_upheld, row.flags_dismissed,
                        row.muted_until, row.suspended_until, row.banned)


def standing_of(user: User) -> StandingView:
    """A member's standing without creating a row (pages only read)."""
    return _view_of(db.session.get(MemberStanding, user.id), user)


# -- a member's own trust level -------------------------------------------------------------------
def trust_stats(user: User, accepted_answers: int, now: datetime) -> trust.TrustStats:
    """The facts trust.py promotes on: account age, posts, accepted answers, and the days since
    the member's last sanction (None when they never had one)."""
    last = db.session.scalar(
        select(func.max(Sanction.created_at)).where(Sanction.user_id == user.id))
    return trust.TrustStats(
        account_age_days=(now - user.created_at).total_seconds() / 86400,
        post_count=user.post_count, accepted_answers=accepted_answers,
        days_since_violation=None if last is None else (now - last).total_seconds() / 86400,
    )


@dataclass(frozen=True)
class Allowance:
    """What one trust level lets a member do (None: no limit), from the engine's settings."""

    level: int
    name: str
    links_per_post: int | None
    posts_per_window: int | None
    window_minutes: int


@dataclass(frozen=True)
class Step:
    """One requirement of the next level, with where the member stands on it."""

    label: str
    needed: int
    have: int
    note: str = ""  # said instead of "you have N" ("no sanction ever")

    @property
    def met(self) -> bool:
        """True once the member has enough."""
        return self.have >= self.needed


@dataclass(frozen=True)
class TrustSummary:
    """A member's level, what it allows, and what the next one needs and unlocks."""

    current: Allowance
    next: Allowance | None
    steps: tuple[Step, ...]
    granted_by_hand: bool


def _allowance(level: int, config) -> Allowance:
    return Allowance(level, trust.NAMES[level], config.link_limits.get(level),
                     config.rate_limits.get(level), config.rate_window_seconds // 60)


def _steps(requirement: trust.Requirement, stats: trust.TrustStats) -> tuple[Step, ...]:
    """The requirement's thresholds (from trust.py), the ones that ask for anything."""
    clean = stats.days_since_violation
    wanted = (
        (("day" if requirement.min_days == 1 else "days") + " since you joined",
         requirement.min_days, stats.account_age_days, ""),
        ("posts", requirement.min_posts, stats.post_count, ""),
        ("accepted answers", requirement.min_accepted_answers, stats.accepted_answers, ""),
        ("days since your last sanction", requirement.clean_days,
         requirement.clean_days if clean is None else clean,
         "you have never been sanctioned" if clean is None else ""),
    )
    return tuple(Step(label, int(need), int(have), note)
                 for label, need, have, note in wanted if need)


def trust_summary(user: User, now: datetime | None = None) -> TrustSummary:
    """For the member's own settings page: computed from trust.py's promotion requirements
    and the engine's link and rate limits, so the page never repeats a number."""
    now = now or utcnow()
    row = db.session.get(MemberStanding, user.id)
    held = row.trust_level if row else _view_of(None, user).trust_level
    stats = trust_stats(user, row.accepted_answers if row else 0, now)
    level = trust.next_level(held, stats)  # what the next post will be judged at
    config, rules = current_config(), trust.TrustConfig()
    following = level + 1 if level < trust.LEADER else None
    requirement = rules.requirements.get(following)
    return TrustSummary(
        current=_allowance(level, config),
        next=_allowance(following, config) if following is not None else None,
        steps=_steps(requirement, stats) if requirement else (),
        granted_by_hand=following is not None and requirement is None,
    )


# -- the review queue ----------------------------------------------------------------------------
@dataclass
class QueueFilter:
    """What the moderator narrowed the queue to; unknown values are ignored, not errors."""

    source: str = ""
    rule: str = ""
    age: str = ""
    category_id: int | None = None

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        """Read ?source=&rule=&age=&category= leniently."""
        codes = {r.code for r in current_rules().rules}
        source = args.get("source", "")
        rule = args.get("rule", "")
        age = args.get("age", "")
        return cls(
            source=source if source in {s.value for s in ReviewSource} else "",
            rule=rule if rule in codes else "",
            age=age if age in AGES else "",
            category_id=args.get("category", type=forum_queries.as_id),
        )

    def as_args(self) -> dict:
        """The filter as query-string arguments (for pagination links)."""
        return {"source": self.source or None, "rule": self.rule or None,
                "age": self.age or None, "category": self.category_id}

    def conditions(self, now: datetime) -> list:
        """SQL conditions on ReviewItem (joined to Thread for the category)."""
        out = [ReviewItem.status == ReviewStatus.PENDING]
        if self.source:
            out.append(ReviewItem.source == ReviewSource(self.source))
        if self.rule:
            # rules is a JSON list of codes: match the quoted code in its text form.
            out.append(sa.cast(ReviewItem.rules, sa.Text).like(f'%"{self.rule}"%'))
        if self.age:
            out.append(ReviewItem.created_at <= now - timedelta(hours=AGES[self.age]))
        if self.category_id is not None:
            out.append(Thread.category_id == self.category_id)
        return out


@dataclass
class QueueEntry:
    """One pending item with what the moderator decides from."""

    item: ReviewItem
    standing: StandingView
    flags: list[Flag] = field(default_factory=list)

    @property
    def body_changed(self) -> bool:
        """Whether the post's current text differs from the text that was screened."""
        return (self.item.text_snapshot or "") != (self.item.post.body_source or "")


def review_queue(filters: QueueFilter, *, page: int = 1, per_page: int = 20) -> Page:
    """Pending items, oldest first, with post, author, thread, claimer, flags and trust."""
    conditions = filters.conditions(utcnow())
    count = (select(func.count(ReviewItem.id))
             .join(Thread, Thread.id == ReviewItem.thread_id).where(*conditions))
    stmt = (
        select(ReviewItem).join(Thread, Thread.id == ReviewItem.thread_id).where(*conditions)
        .options(joinedload(ReviewItem.post), joinedload(ReviewItem.author),
                 joinedload(ReviewItem.thread).joinedload(Thread.category),
                 joinedload(ReviewItem.claimed_by))
        .order_by(ReviewItem.created_at, ReviewItem.id)
    )
    result = _page_of(stmt, count, page=page, per_page=per_page)
    result.items = _entries(result.items)
    return result


def _entries(items: list[ReviewItem]) -> list[QueueEntry]:
    author_ids = {i.author_id for i in items}
    rows = {r.user_id: r for r in db.session.scalars(
        select(MemberStanding).where(MemberStanding.user_id.in_(author_ids)))} if items else {}
    flags = defaultdict(list)
    if items:
        for flag in db.session.scalars(
                select(Flag).where(Flag.post_id.in_({i.post_id for i in items}))
                .options(joinedload(Flag.user)).order_by(Flag.id)):
            flags[flag.post_id].append(flag)
    return [QueueEntry(i, _view_of(rows.get(i.author_id), i.author), flags[i.post_id])
            for i in items]


def queue_entry(item: ReviewItem) -> QueueEntry:
    """One item as the queue shows it (for the item page)."""
    return _entries([item])[0]


def review_item(item_id: int) -> ReviewItem | None:
    """A review item with its post, thread, author and claimer."""
    return db.session.scalar(
        select(ReviewItem).where(ReviewItem.id == item_id)
        .options(joinedload(ReviewItem.post), joinedload(ReviewItem.author),
                 joinedload(ReviewItem.thread).joinedload(Thread.category),
                 joinedload(ReviewItem.claimed_by), joinedload(ReviewItem.decided_by))
    )


# -- an author's history (single view) -----------------------------------------------------------
@dataclass
class AuthorHistory:
    """Everything a moderator weighs about a member, on one page."""

    user: User
    standing: StandingView
    posts: list[Post]
    flags: list[tuple[Flag, Post]]
    sanctions: list[Sanction]
    appeals: list[Appeal]
    items: list[ReviewItem]

    @property
    def restrictions(self) -> list[Sanction]:
        """Mutes, suspensions and bans in force now (not lifted, not over)."""
        now = utcnow()
        return [s for s in self.sanctions
                if s.kind is not SanctionKind.WARNING and s.lifted_at is None
                and (s.ends_at is None or s.ends_at > now)]


def author_history(user: User, *, limit: int = 20) -> AuthorHistory:
    """A member's recent posts (every status), flags on their posts, sanctions, appeals and
    past review decisions."""
    posts = list(db.session.scalars(
        select(Post).where(Post.author_id == user.id).options(joinedload(Post.thread))
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)))
    flags = list(db.session.execute(
        select(Flag, Post).join(Post, Post.id == Flag.post_id).where(Post.author_id == user.id)
        .options(joinedload(Flag.user)).order_by(Flag.id.desc()).limit(limit)))
    sanctions = list(db.session.scalars(
        select(Sanction).where(Sanction.user_id == user.id)
        .options(joinedload(Sanction.actor)).order_by(Sanction.id.desc())))
    appeals = list(db.session.scalars(
        select(Appeal).where(Appeal.user_id == user.id).order_by(Appeal.id.desc())))
    items = list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.author_id == user.id)
        .order_by(ReviewItem.id.desc()).limit(limit)))
    return AuthorHistory(user, standing_of(user), posts, flags, sanctions, appeals, items)


# -- what the author sees ------------------------------------------------------------------------
@dataclass(frozen=True)
class PostNotice:
    """Why a post is held or removed, fit to show its author."""

    status: str
    rule_code: str | None
    rule_title: str
    explanation: str
    item_id: int | None = None
    can_appeal: bool = False
    appealed: bool = False


def _rule_title(code: str | None) -> str:
    if not code:
        return ""
    try:
        return current_rules().rule(code).title
    except KeyError:
        return ""


def post_notice(post: Post) -> PostNotice | None:
    """The rule and explanation behind a held or rejected post (latest review decision, else
    the latest moderation notification about it)."""
    if post.status.value not in ("held", "rejected"):
        return None
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id)
                             .order_by(ReviewItem.id.desc()).limit(1))
    if item is not None:
        code = item.decision_rule or (item.rules[0] if item.rules else None)
        appealed = db.session.scalar(
            select(Appeal.id).where(Appeal.review_item_id == item.id)) is not None
        return PostNotice(
            status=post.status.value, rule_code=code, rule_title=_rule_title(code),
            explanation=item.decision_message or item.explanation, item_id=item.id,
            can_appeal=item.appealable and not appealed, appealed=appealed)
    note = db.session.scalar(
        select(Notification).where(Notification.post_id == post.id,
                                   Notification.kind == NotificationKind.MODERATION)
        .order_by(Notification.id.desc()).limit(1))
    return PostNotice(status=post.status.value, rule_code=None, rule_title="",
                      explanation=note.message if note else "")


@dataclass
class MemberRecord:
    """A member's own moderation record: what is waiting, what was decided, sanctions, each
    with its appeal (a held post may be appealed while it waits)."""

    pending: list[tuple[ReviewItem, Appeal | None]]
    decisions: list[tuple[ReviewItem, Appeal | None]]
    sanctions: list[tuple[Sanction, Appeal | None]]


def member_record(user: User) -> MemberRecord:
    """Pending reviews, rejections (and overturned ones) and sanctions, each with its appeal."""
    items = list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.author_id == user.id)
        .options(joinedload(ReviewItem.post), joinedload(ReviewItem.thread))
        .order_by(ReviewItem.id.desc()).limit(100)))
    sanctions = list(db.session.scalars(
        select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.id.desc())))
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.user_id == user.id)))
    by_item = {a.review_item_id: a for a in appeals if a.review_item_id}
    by_sanction = {a.sanction_id: a for a in appeals if a.sanction_id}
    pending = [i for i in items if i.status is ReviewStatus.PENDING]
    decided = [i for i in items if i.status is not ReviewStatus.PENDING
               and (i.status is ReviewStatus.REJECTED or i.id in by_item)]
    return MemberRecord(
        pending=[(i, by_item.get(i.id)) for i in pending],
        decisions=[(i, by_item.get(i.id)) for i in decided],
        sanctions=[(s, by_sanction.get(s.id)) for s in sanctions],
    )


# -- appeals -------------------------------------------------------------------------------------
def appeal_for_sanction(row: Sanction) -> Appeal | None:
    """The one appeal against a sanction, if it was made."""
    return db.session.scalar(select(Appeal).where(Appeal.sanction_id == row.id))


def appeals(*, pending: bool, limit: int = 50) -> list[Appeal]:
    """Pending appeals oldest first, or decided ones newest first."""
    done = Appeal.status != AppealStatus.PENDING
    stmt = (select(Appeal).where(Appeal.status == AppealStatus.PENDING if pending else done)
            .options(joinedload(Appeal.user),
                     joinedload(Appeal.review_item).joinedload(ReviewItem.post),
                     joinedload(Appeal.sanction))
            .order_by(Appeal.id if pending else Appeal.id.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


def users_by_id(ids) -> dict[int, User]:
    """Users for a set of ids in one query (moderator names beside decisions)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# -- private follow-ups --------------------------------------------------------------------------
def conversations_for(viewer: User) -> list[PrivateConversation]:
    """The customer's own conversations; staff see every open one."""
    stmt = select(PrivateConversation).options(joinedload(PrivateConversation.customer))
    if permissions.is_staff(viewer):
        stmt = stmt.where(PrivateConversation.closed_at.is_(None))
    else:
        stmt = stmt.where(PrivateConversation.customer_id == viewer.id)
    return list(db.session.scalars(stmt.order_by(PrivateConversation.id.desc()).limit(200)))


def conversation_messages(conversation: PrivateConversation) -> list[PrivateMessage]:
    """A conversation's messages, oldest first, with their authors."""
    return list(db.session.scalars(
        select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id)
        .options(joinedload(PrivateMessage.author)).order_by(PrivateMessage.id)))


# -- rules ---------------------------------------------------------------------------------------
def rule_versions() -> list[RuleSetVersion]:
    """Every published version of the rules, newest first, with who published it."""
    return list(db.session.scalars(
        select(RuleSetVersion).options(joinedload(RuleSetVersion.actor))
        .order_by(RuleSetVersion.version.desc())))


@dataclass(frozen=True)
class RuleVersionView:
    """One version of the rules as published, with the change from the version before."""

    rules: engine.RuleSet
    row: RuleSetVersion | None  # None: version 1, the rules shipped with Parley
    previous: int | None
    diff: list[tuple[str, str]]  # (kind, line): kind is "hunk", "add", "del" or "same"


def _rules_at(version: int) -> tuple[engine.RuleSet, RuleSetVersion | None] | None:
    row = db.session.scalar(select(RuleSetVersion).options(joinedload(RuleSetVersion.actor))
                            .where(RuleSetVersion.version == version))
    if row is not None:
        return engine.RuleSet.from_dict({**row.rules, "version": row.version}), row
    if version == 1:
        return engine.DEFAULT_RULES, None
    return None


def rules_text(rules: engine.RuleSet) -> list[str]:
    """A stable plain-text rendering of a rule set, line by line, for reading and diffing."""
    lines: list[str] = []
    for rule in rules.rules:
        lines += [f"{rule.code} {rule.title}", f"  Summary: {rule.summary}",
                  f"  Explanation: {rule.explanation}", f"  Example: {rule.example}",
                  f"  Advice: {rule.advice}"]
        lines += [f"  Enforced: {e.check} -> {e.action.value} at {e.min_score:g}"
                  + (f" unless {', '.join(e.overrides)}" if e.overrides else "")
                  for e in rule.enforced_by]
        if rule.flag_reasons:
            lines.append(f"  Flags: {', '.join(rule.flag_reasons)}")
        lines.append("")
    return lines


def _diff(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    kinds = {"@": "hunk", "+": "add", "-": "del", " ": "same"}
    out = []
    for line in list(difflib.unified_diff(old, new, lineterm="", n=2))[2:]:
        out.append((kinds.get(line[:1], "same"), line[1:] if line[:1] in "+- " else line))
    return out


def rule_version(version: int) -> RuleVersionView | None:
    """Version N of the rules and its diff against N-1 (None for an unknown version)."""
    found = _rules_at(version)
    if found is None:
        return None
    rules, row = found
    before = _rules_at(version - 1) if version > 1 else None
    diff = _diff(rules_text(before[0]), rules_text(rules)) if before else []
    return RuleVersionView(rules, row, version - 1 if before else None, diff)


def bad_domains() -> list[BadDomain]:
    """The blocked link domains, alphabetically."""
    return list(db.session.scalars(select(BadDomain).order_by(BadDomain.domain)))


# -- transparency --------------------------------------------------------------------------------
@dataclass
class Transparency:
    """Monthly counts of moderation actions per rule (newest month first)."""

    months: list[str]
    rules: list[str]
    counts: dict[tuple[str, str], int]
    by_action: dict[tuple[str, str], int]
    actions: list[str]

    def total(self, month: str) -> int:
        """All actions in a month."""
        return sum(self.counts.get((month, r), 0) for r in self.rules)


def _month_expr():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(AuditEvent.created_at, "YYYY-MM")
    return func.strftime("%Y-%m", AuditEvent.created_at)


def _month_starts(months: int, now: datetime) -> list[str]:
    year, month, out = now.year, now.month, []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def transparency(months: int = 12, now: datetime | None = None) -> Transparency:
    """Counts of automatic and human removals, holds, redactions and sanctions per rule."""
    labels = _month_starts(months, now or utcnow())
    oldest = datetime.strptime(labels[-1] + "-01", "%Y-%m-%d")
    month = _month_expr().label("month")
    rows = db.session.execute(
        select(month, AuditEvent.rule_code, AuditEvent.action, func.count(AuditEvent.id))
        .where(AuditEvent.rule_code.is_not(None), AuditEvent.created_at >= oldest,
               AuditEvent.action.in_([a.value for a in TRANSPARENCY_ACTIONS]))
        .group_by(month, AuditEvent.rule_code, AuditEvent.action)
    ).all()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    by_action: dict[tuple[str, str], int] = defaultdict(int)
    for label, rule, action, n in rows:
        counts[(label, rule)] += n
        by_action[(action, rule)] += n
    codes = [r.code for r in current_rules().rules]
    extra = sorted({r for _, r in counts} - set(codes))
    return Transparency(labels, codes + extra, dict(counts), dict(by_action),
                        [a.value for a in TRANSPARENCY_ACTIONS])


# -- the moderator dashboard ---------------------------------------------------------------------
@dataclass
class Dashboard:
    """How the queue and the engine are doing."""

    pending: int
    oldest_pending_at: datetime | None
    holds_upheld: int
    holds_released: int
    misses: int
    flags_upheld: int
    flags_dismissed: int
    appeals_decided: int
    appeals_overturned: int
    training_examples: int
    model: dict

    @property
    def precision(self) -> float | None:
        """Share of automatic holds that moderators upheld."""
        decided = self.holds_upheld + self.holds_released
        return self.holds_upheld / decided if decided else None

    @property
    def overturn_share(self) -> float | None:
        """Share of decided appeals that reversed the decision."""
        return self.appeals_overturned / self.appeals_decided if self.appeals_decided else None


def _count(*conditions, column=ReviewItem.id) -> int:
    return db.session.scalar(select(func.count(column)).where(*conditions)) or 0


def model_info() -> dict:
    """The newest trained model as logged (shared by every worker), else the loaded one."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == AuditAction.MODEL_TRAINED.value)
        .order_by(AuditEvent.id.desc()).limit(1))
    if event is not None and event.after:
        return dict(event.after)
    return runtime().model().describe()


def dashboard() -> Dashboard:
    """Queue size and age, hold precision, misses, flag accuracy, appeals, the model."""
    automatic = (ReviewItem.source == ReviewSource.AUTOMATIC,
                 ReviewItem.status != ReviewStatus.PENDING)
    flags = dict(db.session.execute(
        select(Flag.outcome, func.count(Flag.id)).group_by(Flag.outcome)).all())
    appeal_rows = dict(db.session.execute(
        select(Appeal.status, func.count(Appeal.id)).group_by(Appeal.status)).all())
    return Dashboard(
        pending=_count(ReviewItem.status == ReviewStatus.PENDING),
        oldest_pending_at=db.session.scalar(select(func.min(ReviewItem.created_at))
                                            .where(ReviewItem.status == ReviewStatus.PENDING)),
        holds_upheld=_count(*automatic, ReviewItem.decision.in_(UPHELD)),
        holds_released=_count(*automatic, ReviewItem.decision.in_(RELEASED)),
        misses=_count(ReviewItem.source == ReviewSource.FLAGS, ReviewItem.decision.in_(UPHELD)),
        flags_upheld=flags.get(FlagOutcome.UPHELD, 0),
        flags_dismissed=flags.get(FlagOutcome.DISMISSED, 0),
        appeals_decided=appeal_rows.get(AppealStatus.UPHELD, 0)
        + appeal_rows.get(AppealStatus.OVERTURNED, 0),
        appeals_overturned=appeal_rows.get(AppealStatus.OVERTURNED, 0),
        training_examples=_count(column=TrainingExample.id),
        model=model_info(),
    )


# -- the audit log -------------------------------------------------------------------------------
def audit_page(*, action: str = "", rule: str = "", page: int = 1, per_page: int = 50) -> Page:
    """One page of the audit log, newest first, with the total for the pager."""
    conditions = []
    if action:
        conditions.append(AuditEvent.action == action)
    if rule:
        conditions.append(AuditEvent.rule_code == rule)
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    page = max(1, page)
    rows = audit.events(limit=per_page, offset=(page - 1) * per_page, action=action or None,
                        rule=rule or None)
    users_by_id({r.actor_id for r in rows})  # loads the actors in one query (identity map)
    return Page(items=rows, page=page, per_page=per_page, total=total)
