"""Everything the insights dashboard, the weekly baseline report and GET /api/v1/metrics
show, as one JSON-ready dict per window: the page and the API read the same numbers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from support.insights import queries
from support.insights.window import Window


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _with_backlog(weeks: list[dict], daily: list[tuple[str, int]], window: Window) -> None:
    """Each week's backlog: questions waiting when its last day ended."""
    by_day = dict(daily)
    for index, week in enumerate(weeks):
        last = window.end - timedelta(days=7 * (window.weeks - 1 - index))
        week["backlog"] = by_day.get(last.isoformat())


def insights(window: Window, *, now: datetime | None = None) -> dict:
    """Every figure for the window (a fixed number of queries, whatever its length)."""
    now = now or _utcnow()
    names = queries.category_names()
    found = queries.responses(window, names)
    daily = queries.backlog(window)
    weeks = [bucket.as_dict() for bucket in found.weeks]
    _with_backlog(weeks, daily, window)
    start, end = window.bounds
    totals = found.total.as_dict()
    totals["backlog"] = daily[-1][1] if daily else 0
    return {
        "window": {"from": window.start.isoformat(), "to": window.end.isoformat(),
                   "timezone": window.tz.key, "category_id": window.category_id,
                   "category": names.get(window.category_id) if window.category_id else None},
        "totals": totals,
        "weeks": weeks,
        "categories": [bucket.as_dict() for bucket in found.categories],
        "backlog": [{"day": day, "waiting": waiting} for day, waiting in daily],
        "heatmap": {"days": list(queries.DAYS), "hours": list(range(24)),
                    "counts": found.heatmap},
        "tone": queries.tone_trend(window),
        "moderation": queries.moderation_figures(window),
        "deflection": queries.deflection_between(start, end, now=now),
        "search": queries.search_figures(window, today=now.date()),
    }


# -- the weekly baseline -----------------------------------------------------------------------
# (key, label, unit) of the numbers compared; "share" values are 0..1, "minutes" minutes.
MAIN_NUMBERS = (
    ("asked", "Questions asked", "count"),
    ("first_response_median", "First response, median", "minutes"),
    ("first_response_p90", "First response, p90", "minutes"),
    ("within_target_share", "Answered within target", "share"),
    ("resolution_median", "Resolution, median", "minutes"),
    ("backlog", "Unanswered backlog at week's end", "count"),
    ("solved_share", "Solved", "share"),
    ("deflection_rate", "Deflection rate", "share"),
)
BASELINE_WEEKS = 4


@dataclass(frozen=True)
class Comparison:
    """One main number: this week, the average of the weeks before, and the change."""

    key: str
    label: str
    unit: str
    this_week: float | None
    baseline: float | None
    weeks: tuple[float | None, ...]  # the baseline weeks, oldest first

    @property
    def change(self) -> float | None:
        """This week minus the baseline."""
        if self.this_week is None or self.baseline is None:
            return None
        return round(self.this_week - self.baseline, 3)

    @property
    def change_share(self) -> float | None:
        """The change relative to the baseline (0.25 = 25% more)."""
        if self.change is None or not self.baseline:
            return None
        return round(self.change / self.baseline, 3)

    def as_dict(self) -> dict:
        """JSON-ready, with the change worked out."""
        return {"key": self.key, "label": self.label, "unit": self.unit,
                "this_week": self.this_week, "baseline": self.baseline,
                "baseline_weeks": list(self.weeks), "change": self.change,
                "change_share": self.change_share}


def _mean(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 3) if present else None


def _weekly_deflection(window: Window, now: datetime) -> list[float | None]:
    cuts = [window.utc(window.week_start(i)) for i in range(window.weeks)] + [window.bounds[1]]
    return [queries.deflection_between(a, b, now=now)["deflection_rate"]
            for a, b in zip(cuts, cuts[1:], strict=False)]


def baseline(end_day, tz, category_id: int | None = None, *,
             now: datetime | None = None) -> dict:
    """The seven days ending `end_day` against the average of the four weeks before."""
    now = now or _utcnow()
    window = Window(end_day - timedelta(days=7 * (BASELINE_WEEKS + 1) - 1), end_day, tz,
                    category_id)
    weeks = insights_weeks(window)
    for week, rate in zip(weeks, _weekly_deflection(window, now), strict=True):
        week["deflection_rate"] = rate
    rows = []
    for key, label, unit in MAIN_NUMBERS:
        before = tuple(week[key] for week in weeks[:-1])
        rows.append(Comparison(key, label, unit, weeks[-1][key], _mean(before), before))
    return {"window": {"from": window.start.isoformat(), "to": window.end.isoformat(),
                       "timezone": tz.key, "category_id": category_id},
            "weeks": [w["label"] for w in weeks],
            "numbers": [row.as_dict() for row in rows]}


def insights_weeks(window: Window) -> list[dict]:
    """Per-week response figures with the backlog at each week's end."""
    found = queries.responses(window, queries.category_names())
    weeks = [bucket.as_dict() for bucket in found.weeks]
    _with_backlog(weeks, queries.backlog(window), window)
    return weeks


CSV_COLUMNS = ("metric", "unit", "this_week", "baseline", "change", "change_share",
               "week_1", "week_2", "week_3", "week_4")


def baseline_csv_rows(report: dict) -> list[list]:
    """The report as CSV rows (header first): one main number a row."""
    out: list[list] = [list(CSV_COLUMNS)]
    for n in report["numbers"]:
        out.append([n["label"], n["unit"], _cell(n["this_week"]), _cell(n["baseline"]),
                    _cell(n["change"]), _cell(n["change_share"]),
                    *(_cell(v) for v in n["baseline_weeks"])])
    return out


def _cell(value) -> str:
    return "" if value is None else f"{value:g}"


# -- a short-lived cache per app ----------------------------------------------------------------
CACHE_KEY = "parley.insights.cache"


def cached_insights(window: Window, app) -> tuple[datetime, dict]:
    """insights(window), computed at most once every INSIGHTS_CACHE_SECONDS per worker for the
    same period, category and time zone (0 turns the cache off); with when it was computed.
    Weekly trends do not move in a minute; staff switching pages should not recount them."""
    seconds = float(app.config.get("INSIGHTS_CACHE_SECONDS") or 0)
    now = _utcnow()
    if seconds <= 0:
        return now, insights(window, now=now)
    store: dict = app.extensions.setdefault(CACHE_KEY, {})
    key = (window.start, window.end, window.tz.key, window.category_id)
    found = store.get(key)
    if found is None or not 0 <= (now - found[0]).total_seconds() <= seconds:
        if len(store) > 200:  # filters people try: keep the newest only
            store.clear()
        found = store[key] = (now, insights(window, now=now))
    return found
