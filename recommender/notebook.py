"""Notebook helpers: the suggestion card, a summary of a suggestions frame, and the review loop.

The review logic (:class:`ReviewSession`) is plain Python and testable without a browser; the
ipywidgets panel (:func:`review_widget`) only binds buttons to it.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import RecommenderError
from .lang import written_in
from .suggestion import Suggestion
from .taxonomy import ANGER_LEVELS

_MARKER = re.compile(r"\[[^\[\]\n]{1,60}\]")
_LEVEL_COLOURS = ("#4c9a5f", "#d9a400", "#e06c00", "#c0392b")


def _highlight(text: str, words: list[str]) -> str:
    """Escaped ``text`` with the evidence ``words`` marked."""
    escaped = html.escape(text)
    for word in sorted({w for w in words if w.strip()}, key=len, reverse=True):
        escaped = re.sub(rf"(?<![\w>]){re.escape(html.escape(word))}(?!\w)",
                         lambda m: f"<mark>{m.group(0)}</mark>", escaped, flags=re.I)
    return escaped


def card_html(s: Suggestion) -> str:
    """One suggestion as an HTML card: tags, anger bar and evidence, template, reply."""
    chips = "".join(
        f"<span style='background:#e8f0fe;border-radius:10px;padding:1px 8px;margin:2px'>"
        f"{html.escape(t)} {p:.2f}</span>" for t, p in s.tags.items()) or (
        "<i>no complaint</i>" if s.language_supported
        else f"<i>not read: {html.escape(written_in(s.language))}</i>")
    colour = _LEVEL_COLOURS[s.anger_level]
    evidence = [w for e in s.anger_evidence if e.contribution > 0 and e.signal != "wording"
                for w in e.matches]
    runner = s.alternatives[0] if s.alternatives else None
    reply = _MARKER.sub(lambda m: f"<mark style='background:#ffd6d6'>{m.group(0)}</mark>",
                        html.escape(s.reply)) if s.reply else "<i>no reply suggested</i>"
    return (
        "<div style='border:1px solid #ccc;border-radius:6px;padding:10px;font-family:sans-serif'>"
        f"<div><b>Tags</b> {chips}</div>"
        f"<div><b>Anger</b> {s.anger:.2f} {html.escape(s.anger_level_name)} "
        f"<span style='display:inline-block;width:120px;height:8px;background:#eee'>"
        f"<span style='display:inline-block;width:{int(s.anger * 120)}px;height:8px;"
        f"background:{colour}'></span></span> "
        f"{html.escape(', '.join(s.anger_flags))}</div>"
        f"<div style='white-space:pre-wrap;background:#fafafa;margin:6px 0;padding:6px'>"
        f"{_highlight(s.text, evidence)}</div>"
        f"<div><b>Template</b> {html.escape(s.template or 'abstain')}"
        f"{' <i>(tentative)</i>' if s.tentative else ''}"
        + (f" (rule {html.escape(s.rule)})" if s.rule else "")
        + (f"; runner-up {html.escape(runner.template)} (rule {html.escape(runner.rule)}, "
           f"{runner.score:.2f})" if runner else "") + "</div>"
        f"<div style='white-space:pre-wrap;border-top:1px solid #eee;margin-top:6px;"
        f"padding-top:6px'>{reply}</div>"
        f"<div style='color:#666;font-size:90%'>{html.escape(s.explanation)}</div></div>")


class FrameSummary:
    """Counts per tag and template and the anger histogram of a suggestions frame (the
    output of :func:`recommender.batch.suggest_frame`); shows as HTML in a notebook."""

    def __init__(self, frame: pd.DataFrame):
        ok = frame[frame["error"].fillna("") == ""]
        self.tags = Counter(t for cell in ok["tags"].fillna("") for t in cell.split("|") if t)
        self.templates = Counter(t or "(abstain)" for t in ok["template"].fillna(""))
        self.anger = Counter(ok["anger_level"])
        self.errors = int(len(frame) - len(ok))

    def _repr_html_(self) -> str:
        def bars(counter: Counter, order=None) -> str:
            keys = order or [k for k, _ in counter.most_common()]
            top = max(counter.values(), default=1)
            return "".join(
                f"<tr><td>{html.escape(str(k))}</td><td>{counter.get(k, 0)}</td><td>"
                f"<span style='display:inline-block;height:8px;background:#4c78a8;"
                f"width:{int(150 * counter.get(k, 0) / top)}px'></span></td></tr>"
                for k in keys)
        return (f"<b>Tags</b><table>{bars(self.tags)}</table><b>Anger</b><table>"
                f"{bars(self.anger, list(ANGER_LEVELS))}</table><b>Templates</b><table>"
                f"{bars(self.templates)}</table><p>errors: {self.errors}</p>")


def edit_distance(a: str, b: str) -> int:
    """Word-level Levenshtein distance between two texts."""
    x, y = a.split(), b.split()
    previous = list(range(len(y) + 1))
    for i, wx in enumerate(x, 1):
        current = [i]
        for j, wy in enumerate(y, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (wx != wy)))
        previous = current
    return previous[-1]


@dataclass
class Decision:
    """What the agent did with one suggestion (one line of the feedback file)."""

    id: str
    text: str
    language: str
    anger_level: int
    tags: list[str]
    suggested_template: str | None
    template: str | None
    decision: str  # accepted, changed_template, edited
    edit_distance: int
    reply: str


class ReviewSession:
    """Walk through suggestions, accept or correct them, record decisions to ``feedback``.

    Parameters
    ----------
    rec : the recommender (used to re-render when the template or a field changes)
    suggestions : what to review, in order
    feedback : JSON Lines file the decisions are appended to
    """

    def __init__(self, rec, suggestions: list[Suggestion], feedback: str | Path):
        self.rec = rec
        self.items = list(suggestions)
        self.feedback = Path(feedback)
        self.position = 0
        self._reset()

    def _reset(self) -> None:
        s = self.current
        self.template = s.template if s else None
        self.fields = dict(s.fields) if s else {}
        self.tags = list(s.tags) if s else []
        self.reply = s.reply if s else ""
        self.text_edited = False

    @property
    def current(self) -> Suggestion | None:
        return self.items[self.position] if self.position < len(self.items) else None

    @property
    def done(self) -> bool:
        return self.current is None

    def _render(self) -> None:
        if self.template is not None:
            library = self.rec.templates(self.current.language)
            self.reply = library.render(self.template, self.fields).body

    def choose_template(self, template_id: str) -> str:
        """Use another template; returns the re-rendered reply."""
        self.template = template_id
        self._render()
        return self.reply

    def edit_field(self, name: str, value: str) -> str:
        """Fill or correct a field; returns the re-rendered reply."""
        self.fields[name] = value
        self._render()
        return self.reply

    def edit_text(self, reply: str) -> None:
        """Replace the reply text by the agent's own."""
        self.reply = reply
        self.text_edited = True

    def set_tags(self, tags: list[str]) -> None:
        """Correct the tags (recorded as labelled data for `recommender train`)."""
        self.tags = list(tags)

    def record(self) -> Decision:
        """Record the current decision to the feedback file and move to the next one."""
        s = self.current
        if s is None:
            raise RecommenderError("nothing left to review")
        changed = self.template != s.template
        kind = "edited" if self.text_edited or (not changed and self.reply != s.reply) else (
            "changed_template" if changed else "accepted")
        decision = Decision(s.sender or str(self.position), s.text, s.language, s.anger_level,
                            self.tags, s.template, self.template, kind,
                            edit_distance(s.reply, self.reply), self.reply)
        self.feedback.parent.mkdir(parents=True, exist_ok=True)
        with open(self.feedback, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(decision), ensure_ascii=False) + "\n")
        self.position += 1
        self._reset()
        return decision


def feedback_records(path: str | Path) -> list[dict[str, Any]]:
    """Recorded decisions as labelled records of our corpus format (for training)."""
    records = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        records.append({"id": f"feedback-{n}", "subject": "", "from": "", "body": d["text"],
                        "tags": d["tags"], "anger": d["anger_level"],
                        "templates": [d["template"]] if d["template"] else [], "fields": {},
                        "domain": "other", "register": "email", "language": d["language"]})
    return records


def review_widget(session: ReviewSession):
    """An ipywidgets panel over ``session``: accept, pick another template, edit, next."""
    try:
        import ipywidgets as w
        from IPython.display import HTML, display
    except ImportError:
        raise RecommenderError("the review panel needs ipywidgets: pip install ipywidgets; "
                               "ReviewSession works without it") from None
    out = w.Output()
    templates = w.Dropdown(description="template")
    reply = w.Textarea(layout=w.Layout(width="100%", height="220px"))
    accept = w.Button(description="Accept / record", button_style="success")

    def show() -> None:
        out.clear_output()
        with out:
            if session.done:
                print(f"All reviewed; decisions in {session.feedback}")
                return
            display(HTML(card_html(session.current)))
        ids = session.rec.templates(session.current.language).ids()
        templates.options = ids
        templates.value = session.template if session.template in ids else None
        reply.value = session.reply

    def on_template(change) -> None:
        if change["new"] and change["new"] != session.template:
            reply.value = session.choose_template(change["new"])

    def on_accept(_) -> None:
        if reply.value != session.reply:
            session.edit_text(reply.value)
        session.record()
        show()

    templates.observe(on_template, names="value")
    accept.on_click(on_accept)
    show()
    return w.VBox([out, templates, reply, accept])
