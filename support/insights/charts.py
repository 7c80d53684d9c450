"""The dashboard's charts: each an SVG picture and the data table under it, built from the
insights dict (support.insights.report) so the picture, the table and the API agree."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from support.insights import svg


@dataclass(frozen=True)
class Chart:
    """A chart's id and heading, its SVG, and its data as a table."""

    id: str
    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: list[tuple]


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _pct(value) -> float | None:
    return None if value is None else round(100 * value, 1)


def _hours(minutes) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def _weekly_times(data: dict, prefix: str, chart_id: str, title: str) -> Chart:
    weeks = data["weeks"]
    labels = [w["label"] for w in weeks]
    med = [_hours(w[f"{prefix}_median"]) for w in weeks]
    high = [_hours(w[f"{prefix}_p90"]) for w in weeks]
    desc = f"{title}, median and 90th percentile in hours, for each week starting " \
           f"{labels[0]} to {labels[-1]}." if labels else title
    picture = svg.line_chart(chart_id, title, desc, labels,
                             [svg.Series("median", med), svg.Series("p90", high)],
                             y_label="hours")
    rows = [(w["label"], w["asked"], _fmt(w[f"{prefix}_median"]), _fmt(w[f"{prefix}_p90"]))
            for w in weeks]
    return Chart(chart_id, title, picture, ("Week from", "Asked", "Median (min)", "p90 (min)"),
                 rows)


def _within_target(data: dict) -> Chart:
    weeks = data["weeks"]
    labels = [w["label"] for w in weeks]
    title = "Answered within target"
    picture = svg.line_chart(
        "chart-target", title, "Share of questions asked each week whose first response came "
        "within the response target, in percent.", labels,
        [svg.Series("within target %", [_pct(w["within_target_share"]) for w in weeks]),
         svg.Series("solved %", [_pct(w["solved_share"]) for w in weeks])], y_label="%")
    rows = [(w["label"], w["asked"], w["within_target"], _fmt(_pct(w["within_target_share"])),
             _fmt(_pct(w["solved_share"]))) for w in weeks]
    return Chart("chart-target", title, picture,
                 ("Week from", "Asked", "Within target", "Within target %", "Solved %"), rows)


def _backlog(data: dict) -> Chart:
    days = data["backlog"]
    title = "Unanswered backlog"
    picture = svg.line_chart(
        "chart-backlog", title, "Questions waiting for a first answer at the end of each day.",
        [d["day"][5:] for d in days], [svg.Series("waiting", [d["waiting"] for d in days])],
        y_label="questions")
    return Chart("chart-backlog", title, picture, ("Day", "Waiting at day's end"),
                 [(d["day"], d["waiting"]) for d in days])


def _heatmap(data: dict) -> Chart:
    heat = data["heatmap"]
    title = f"Questions by weekday and hour ({data['window']['timezone']})"
    hours = [f"{h:02d}" for h in heat["hours"]]
    picture = svg.heatmap("chart-heatmap", title, "Questions asked in each hour of each "
                          "weekday; darker cells had more.", heat["days"], hours,
                          heat["counts"])
    rows = [(day, *counts) for day, counts in zip(heat["days"], heat["counts"], strict=True)]
    return Chart("chart-heatmap", title, picture, ("Day", *hours), rows)


def _moderation(data: dict) -> Chart:
    per_rule = data["moderation"]["actions_per_rule"]
    title = "Moderation actions per rule"
    picture = svg.bar_chart("chart-moderation", title, "Automatic and human moderation "
                            "actions citing each rule in the period.",
                            [r["rule"] for r in per_rule], [r["total"] for r in per_rule],
                            y_label="actions")
    rows = [(r["rule"], r["total"], ", ".join(f"{a}: {n}" for a, n in sorted(
        r["by_action"].items()))) for r in per_rule]
    return Chart("chart-moderation", title, picture, ("Rule", "Actions", "By action"), rows)


def _tone(data: dict) -> Chart:
    weeks = data["tone"]
    title = "Customer posts reading negative or urgent"
    picture = svg.line_chart(
        "chart-tone", title, "Share of customer posts each week containing a phrase of the "
        "negative/urgent lexicon, in percent (approximate).", [w["label"] for w in weeks],
        [svg.Series("negative/urgent %", [_pct(w["negative_share"]) for w in weeks])],
        y_label="%")
    rows = [(w["label"], w["posts"], w["negative"], _fmt(_pct(w["negative_share"])))
            for w in weeks]
    return Chart("chart-tone", title, picture, ("Week from", "Customer posts",
                                                "Negative/urgent", "Share %"), rows)


def _volume(data: dict) -> Chart:
    weeks = data["weeks"]
    title = "Questions asked per week"
    picture = svg.bar_chart("chart-volume", title, "Questions asked in each week.",
                            [w["label"][5:] for w in weeks], [w["asked"] for w in weeks],
                            y_label="questions")
    return Chart("chart-volume", title, picture, ("Week from", "Asked"),
                 [(w["label"], w["asked"]) for w in weeks])


def _by_category(data: dict) -> Chart:
    rows = data["categories"]
    title = "First response by category"
    picture = svg.bar_chart("chart-categories", title, "Median time to first response in each "
                            "category, in hours.", [c["label"] for c in rows],
                            [_hours(c["first_response_median"]) or 0 for c in rows],
                            y_label="hours")
    table = [(c["label"], c["asked"], _fmt(c["first_response_median"]),
              _fmt(c["first_response_p90"]), _fmt(c["resolution_median"]),
              _fmt(c["resolution_p90"])) for c in rows]
    return Chart("chart-categories", title, picture,
                 ("Category", "Asked", "First response median (min)", "p90 (min)",
                  "Resolution median (min)", "p90 (min)"), table)


def dashboard_charts(data: dict) -> list[Chart]:
    """Every chart of the dashboard, in page order."""
    return [
        _volume(data),
        _weekly_times(data, "first_response", "chart-first", "Time to first response"),
        _weekly_times(data, "resolution", "chart-resolution", "Time to resolution"),
        _by_category(data),
        _within_target(data), _backlog(data), _heatmap(data), _moderation(data), _tone(data),
    ]
