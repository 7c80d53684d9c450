"""The SVG chart module: well-formed XML, accessible title and desc, axes and labels, and the
tone lexicon measured the same in Python and SQL."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from support.insights import svg, tone

NS = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_line_chart_well_formed_with_title_desc_and_points():
    root = _parse(svg.line_chart("c1", "Time <to> answer", "Median & p90", ["w1", "w2", "w3"],
                                 [svg.Series("median", [1.0, None, 3.0]),
                                  svg.Series("p90", [2.0, 4.0, 6.0])], y_label="hours"))
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Time <to> answer"
    assert root.find(f"{NS}desc").text == "Median & p90"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert len(root.findall(f"{NS}circle")) == 5  # the None leaves a gap
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"w1", "w2", "w3", "hours", "median", "p90"} <= set(texts)
    paths = [p.get("d") for p in root.findall(f"{NS}path")]
    assert paths[0].count("M") == 2  # the gap starts a new stroke


def test_bar_chart_one_bar_per_label_heights_scale():
    root = _parse(svg.bar_chart("c2", "Per rule", "Actions", ["R1", "R2"], [5, 10]))
    bars = root.findall(f"{NS}rect")
    assert len(bars) == 2
    assert float(bars[1].get("height")) == 2 * float(bars[0].get("height"))


def test_heatmap_cells_shaded_by_count():
    root = _parse(svg.heatmap("c3", "Heat", "By hour", ["Mon", "Tue"], ["00", "01"],
                              [[0, 4], [2, 0]]))
    cells = root.findall(f"{NS}rect")
    assert len(cells) == 4
    assert cells[0].get("fill") == "#ffffff" and cells[1].get("fill") == "#2563eb"


def test_charts_empty_data_still_well_formed():
    assert _parse(svg.line_chart("e1", "None", "Nothing", [], [svg.Series("x", [])]))
    assert _parse(svg.bar_chart("e2", "None", "Nothing", [], []))


def test_nice_ticks_round_steps_cover_top():
    assert svg.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert svg.nice_ticks(100) == [0, 50, 100]
    assert svg.nice_ticks(0) == [0.0, 1.0]


def test_tone_reads_negative_lexicon_phrases():
    assert tone.reads_negative("This is the THIRD TIME my router dropped, I want a refund")
    assert tone.matched_phrases("Outage again, unacceptable") == ["outage", "unacceptable"]
    assert not tone.reads_negative("How do I change my wifi channel? Thanks!")
    assert not tone.reads_negative("")


def test_tone_sql_condition_agrees_with_python(factory):
    texts = ["Refund me now", "How do I reset it?", "100% sure this is broken",
             "My_router is fine", "Sick of waiting", "Works great", "It DOESN’T WORK",
             "a (third time) [sic]", "cancel.", "this download is fine"]
    thread = factory.thread(body=texts[0])
    for text in texts[1:]:
        factory.reply(thread, body=text)
    dialect = db.session.get_bind().dialect.name
    condition = tone.negative_condition(Post.body_source, dialect)
    rows = db.session.execute(select(Post.body_source, condition)).all()
    assert len(rows) == len(texts)
    assert {body: bool(flag) for body, flag in rows} == \
        {body: tone.reads_negative(body) for body in texts}


def test_line_chart_many_labels_thinned_so_they_do_not_overlap():
    labels = [f"2026-01-{d:02d}" for d in range(1, 32)] * 2
    root = _parse(svg.line_chart("m", "Backlog", "Per day", labels,
                                 [svg.Series("waiting", list(range(len(labels))))]))
    label_y = str(svg.HEIGHT - svg.MARGIN_BOTTOM + 16)
    xs = [float(t.get("x")) for t in root.iter(f"{NS}text") if t.get("y") == label_y]
    assert 2 <= len(xs) < len(labels)
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 6.5 * 10
    assert all(svg.MARGIN_LEFT <= x <= svg.WIDTH - svg.MARGIN_RIGHT for x in xs)
