"""The staff page (``/staff/``): the conversation review plus charts, as one HTML document.

Charts are inline SVG drawn here (no JavaScript): customer messages per day, fallback and handoff
rates per day, top topics, 95th percentile reply time per day. Everything comes from the turns read
from the tracker store (bot.staff.store); texts are the review's masked ones, nothing else of the
conversations (no replies, no slots, no conversation ids) is put in the page.
"""
from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from datetime import datetime
from typing import Dict, List, Optional, Sequence

from bot import settings
from bot.staff import review, turns

STYLE = """
body{font-family:system-ui,"Noto Sans CJK JP",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#1f3a5f;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
header h1{font-size:20px;margin:0}header form{margin-left:auto}main{padding:16px 24px;max-width:1200px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 2px #0002}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #e4e7eb;padding:4px 6px;
text-align:left;vertical-align:top}h2{font-size:17px}h3{font-size:15px;margin:14px 0 4px}.num{text-align:right}
.muted{color:#616e7c}a{color:#1f3a5f}svg text{font-size:11px;fill:#323f4b}figure{margin:0;min-width:0}
svg.chart{width:100%;height:auto;max-width:560px;display:block}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, settings.TOKYO).strftime("%Y-%m-%d")


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def daily(all_turns: List[turns.Turn]) -> Dict[str, Dict[str, float]]:
    """Per day (Asia/Tokyo): messages, fallback and handoff rates, p95 reply time (seconds)."""
    by_day: Dict[str, List[turns.Turn]] = defaultdict(list)
    for turn in all_turns:
        by_day[_day(turn.timestamp)].append(turn)
    stats = {}
    for day in sorted(by_day):
        day_turns = by_day[day]
        n = len(day_turns)
        reply_times = [t.reply_seconds for t in day_turns if t.reply_seconds is not None]
        stats[day] = {
            "messages": n,
            "fallback_rate": sum(t.kind == turns.FALLBACK for t in day_turns) / n,
            "handoff_rate": sum(t.kind == turns.HANDOFF for t in day_turns) / n,
            "p95_ms": (percentile(reply_times, 95) or 0.0) * 1000,
        }
    return stats


def top_topics(all_turns: List[turns.Turn], limit: int = 10) -> List[tuple]:
    counted = Counter(t.topic for t in all_turns if not t.form_input and not t.text.startswith("/"))
    return counted.most_common(limit)


def bar_chart(title: str, labels: List[str], values: List[float], fmt: str = "{:g}",
              horizontal: bool = False, color: str = "#3e7cb1") -> str:
    """An accessible inline SVG bar chart (vertical bars, or horizontal for long labels)."""
    top = max(values) if values and max(values) > 0 else 1.0
    parts: List[str] = []
    if horizontal:
        row, width, label_w = 22, 520, 210
        height = row * max(1, len(values)) + 10
        for i, (label, value) in enumerate(zip(labels, values)):
            y = 5 + i * row
            w = (width - label_w - 60) * value / top
            parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_esc(label[:34])}</text>'
                         f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 7}" fill="{color}">'
                         f'<title>{_esc(label)}: {_esc(fmt.format(value))}</title></rect>'
                         f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{_esc(fmt.format(value))}</text>')
    else:
        width, height, base = 520, 200, 170
        slot = (width - 40) / max(1, len(values))
        bar_w = max(4.0, min(40.0, slot * 0.7))
        for i, (label, value) in enumerate(zip(labels, values)):
            h = (base - 20) * value / top
            x = 30 + i * slot + (slot - bar_w) / 2
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{color}"><title>{_esc(label)}: {_esc(fmt.format(value))}</title></rect>'
                         f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 3:.1f}" text-anchor="middle">'
                         f'{_esc(fmt.format(value))}</text>')
            if len(values) <= 14 or i % math.ceil(len(values) / 14) == 0:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle">'
                             f'{_esc(label[5:])}</text>')
        parts.append(f'<line x1="25" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#9aa5b1"/>')
    if not values:
        parts.append('<text x="20" y="40">no data in this period</text>')
    return (f'<figure><figcaption>{_esc(title)}</figcaption><svg class="chart" role="img" '
            f'aria-label="{_esc(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            + "".join(parts) + "</svg></figure>")


def render(report: review.Report, all_turns: List[turns.Turn], model: Optional[str], days: float) -> str:
    stats = daily(all_turns)
    labels = list(stats)
    charts = [
        bar_chart("Customer messages per day", labels, [s["messages"] for s in stats.values()]),
        bar_chart("Fallback rate per day", labels, [s["fallback_rate"] * 100 for s in stats.values()],
                  "{:.0f}%", color="#c65d21"),
        bar_chart("Handoff rate per day", labels, [s["handoff_rate"] * 100 for s in stats.values()],
                  "{:.0f}%", color="#7b4ea3"),
        bar_chart("95th percentile reply time per day (ms)", labels, [s["p95_ms"] for s in stats.values()],
                  "{:.0f}", color="#2f8f6f"),
    ]
    topics = top_topics(all_turns)
    charts.append(bar_chart("Top topics", [t for t, _ in topics], [n for _, n in topics], horizontal=True))
    counts = "".join(f"<tr><td>{_esc(review.CATEGORIES[c])}</td><td class='num'>{n}</td></tr>"
                     for c, n in report.counts().items())
    groups = []
    for topic, findings in report.by_topic():
        rows = "".join(
            f"<tr><td>{_esc(review._when(f.turn.timestamp))}</td><td>{_esc(f.category)}</td>"
            f"<td class='num'>{'' if f.turn.confidence is None else f'{f.turn.confidence:.2f}'}</td>"
            f"<td>{_esc(f.text)}</td><td class='muted'>{_esc(f.detail)}</td></tr>"
            for f in sorted(findings, key=lambda f: f.turn.timestamp))
        groups.append(f"<h3>{_esc(topic)} ({len(findings)})</h3><table><tr><th>time</th><th>what</th>"
                      f"<th>conf.</th><th>customer message (masked)</th><th>detail</th></tr>{rows}</table>")
    periods = " ".join(f'<a href="?days={d}">{d} day{"s" if d > 1 else ""}</a>' for d in (1, 7, 30))
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Madoguchi staff</title><style>{STYLE}</style></head><body>
<header><h1>Madoguchi — staff</h1><span id="model">model: {_esc(model or "(not loaded)")}</span>
<form method="post" action="/staff/logout"><button type="submit">Log out</button></form></header>
<main>
<p class="muted">Last {days:g} days ({_esc(review._when(report.since))} – {_esc(review._when(report.until))},
Asia/Tokyo): {report.conversations} conversations, {report.messages} customer messages. Show {periods}.</p>
<section><h2>Charts</h2><div class="charts">{"".join(charts)}</div></section>
<section id="review"><h2>Needs a human look: {len(report.findings)}</h2><table>{counts}</table>
{"".join(groups) or "<p>Nothing to look at.</p>"}
<p class="muted">Low confidence: below {report.threshold:.2f}. Phone numbers, names, tokens, contract numbers and
verification inputs are masked. Same list: <code>python -m bot review --days {days:g}</code>.</p></section>
</main></body></html>"""


LOGIN = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Madoguchi staff — login</title><style>{style}</style></head><body>
<header><h1>Madoguchi — staff</h1></header><main><section>
<form method="post" action="/staff/login"><p>{message}</p>
<label>Staff password or API token <input type="password" name="password" autocomplete="current-password"
autofocus required></label> <button type="submit">Log in</button></form></section></main></body></html>"""


def login_page(message: str = "Please log in.") -> str:
    return LOGIN.format(style=STYLE, message=_esc(message))


def closed_page() -> str:
    return (f"<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>Madoguchi staff</title>"
            f"<style>{STYLE}</style></head><body><header><h1>Madoguchi — staff</h1></header><main><section>"
            "<p>The staff page is off: set MADOGUCHI_STAFF_PASSWORD (or MADOGUCHI_API_TOKEN) for the Rasa "
            "server.</p></section></main></body></html>")
