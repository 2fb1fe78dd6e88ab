"""What a support lead wants to know after a batch: counts, who needs a human, errors, and
unusual clusters of the same complaint in a short time (incidents).
"""

from __future__ import annotations

import json
import statistics
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..taxonomy import ANGER_LEVELS, LANGUAGES, TAGS

#: A predicted tag below this probability makes the suggestion "low confidence".
LOW_CONFIDENCE = 0.6
#: A day's count of one tag is an incident when it reaches this many messages …
INCIDENT_MIN_MESSAGES = 10
#: … and this many times both the tag's median daily count over the export (days with mail)
#: and the count expected from that day's volume at the tag's share on the other days.
INCIDENT_RATIO = 3.0
#: Message ids kept per (day, tag) as examples; every affected message is kept as its row
#: number (4 bytes each), so memory stays small however large the export.
MAX_IDS_PER_DAY = 100


def day_of(date: str) -> str | None:
    """ISO day of a ``Date`` header or an ISO-like date column, ``None`` when unreadable."""
    if not date:
        return None
    try:
        return parsedate_to_datetime(date).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(date.strip()[:19]).date().isoformat()
    except ValueError:
        return None


@dataclass
class Summary:
    """Running counts over a batch's output rows."""

    rows: int = 0
    languages: Counter = field(default_factory=Counter)
    tags: Counter = field(default_factory=Counter)
    anger: Counter = field(default_factory=Counter)
    templates: Counter = field(default_factory=Counter)
    needs_human: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    attachments: int = 0
    #: For a table: which column was read as what (``Columns.describe``).
    columns: str = ""
    _daily: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    _daily_rows: dict[tuple[str, str], array] = field(
        default_factory=lambda: defaultdict(lambda: array("I")))
    _volume: Counter = field(default_factory=Counter)

    def add(self, row: dict[str, Any], date: str = "") -> None:
        """Count one output row; ``date`` is the message's ``Date`` (for incidents)."""
        position = self.rows
        self.rows += 1
        if row["error"]:
            self.errors[row["error_kind"] or "error"] += 1
            return
        if row.get("language"):
            self.languages[row["language"]] += 1
        tags = [t for t in row["tags"].split("|") if t]
        self.tags.update(tags)
        self.anger[row["anger_level"]] += 1
        self.templates[row["template"] or "(abstain)"] += 1
        if not row["template"]:
            # a language we do not read (its code is in the row) or no complaint found
            other = row.get("language") and row["language"] not in LANGUAGES
            self.needs_human["other_language" if other else "abstained"] += 1
        elif row.get("tentative"):
            self.needs_human["tentative"] += 1
        probabilities = json.loads(row["tag_probabilities"] or "{}")
        if probabilities and min(probabilities.values()) < LOW_CONFIDENCE:
            self.needs_human["low_confidence"] += 1
        if row["missing_fields"]:
            self.needs_human["missing_fields"] += 1
        day = day_of(date)
        if day:
            self._volume[day] += 1
            for tag in tags:
                self._daily_rows[(day, tag)].append(position)
                ids = self._daily[(day, tag)]
                if len(ids) < MAX_IDS_PER_DAY:
                    ids.append(row["id"])

    def incidents(self) -> list[dict[str, Any]]:
        """Days on which one tag was unusually frequent: the affected rows (0-based positions
        in the output, which keeps input order) and the first ``MAX_IDS_PER_DAY`` ids."""
        per_tag: dict[str, dict[str, int]] = defaultdict(dict)
        for (day, tag), positions in self._daily_rows.items():
            per_tag[tag][day] = len(positions)
        days, total = list(self._volume), sum(self._volume.values())
        found = []
        for tag, counts in per_tag.items():
            baseline = statistics.median([counts.get(d, 0) for d in days]) if days else 0
            tag_total = sum(counts.values())
            for day, count in sorted(counts.items()):
                others = total - self._volume[day]
                share = (tag_total - count) / others if others else 0.0
                expected = max(baseline, share * self._volume[day], 1)
                if count >= INCIDENT_MIN_MESSAGES and count >= INCIDENT_RATIO * expected:
                    found.append({"day": day, "tag": tag, "messages": count,
                                  "median_per_day": baseline, "template": "mass_apology",
                                  "rows": list(self._daily_rows[(day, tag)]),
                                  "ids": list(self._daily[(day, tag)])})
        return sorted(found, key=lambda f: -f["messages"])

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": self.columns,
                "languages": dict(self.languages.most_common()),
                "tags": {t: self.tags[t] for t in TAGS},
                "anger": {lvl: self.anger[lvl] for lvl in ANGER_LEVELS},
                "templates": dict(self.templates.most_common()),
                "needs_human": dict(self.needs_human), "errors": dict(self.errors),
                "incidents": [{k: v for k, v in i.items() if k not in ("ids", "rows")} | {
                    "affected": len(i["rows"])} for i in self.incidents()]}

    def render(self) -> str:
        """A screenful of plain text."""
        ok = self.rows - sum(self.errors.values())
        lines = [f"{self.rows} messages: {ok} processed, {sum(self.errors.values())} errors"]
        if self.columns:
            lines.append("Columns:   " + self.columns)
        if self.languages:
            other = [code for code in self.languages if code not in LANGUAGES]
            lines.append("Languages: " + ", ".join(f"{code} {n}" for code, n in
                                                   self.languages.most_common())
                         + (f" (not read: {', '.join(other)})" if other else ""))
        lines.append("Tags:      " + ", ".join(f"{t} {n}" for t, n in self.tags.most_common())
                     if self.tags else "Tags:      none")
        lines.append("Anger:     " + ", ".join(f"{lvl} {self.anger[lvl]}" for lvl in ANGER_LEVELS))
        lines.append("Templates: " + ", ".join(f"{t} {n}" for t, n in
                                               self.templates.most_common(8)))
        lines.append("Needs a human: " + (", ".join(f"{k} {v}" for k, v in
                                                    self.needs_human.items()) or "none"))
        if self.errors:
            lines.append("Errors:    " + ", ".join(f"{k} {v}" for k, v in
                                                  self.errors.most_common()))
        for inc in self.incidents():
            lines.append(f"Incident:  {inc['messages']} '{inc['tag']}' messages on {inc['day']} "
                         f"(median {inc['median_per_day']:g}/day) — consider the mass_apology "
                         f"template for these customers")
        return "\n".join(lines)
