"""What the user asked of one import: kind, profile, column mapping, time zone, strictness, grade.

In the core so the CLI can say what it asks without importing the importers (they read it from here too,
through `importers.options`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportOptions:
    """Options shared by every kind of source; kind-specific ones go in `extra`."""

    kind: str | None = None                      # phone, ads, hotel, finance, roster, links; None = detect
    profile: str | None = None                   # profile name or path; None = detect from the header
    mapping: dict[str, str] = field(default_factory=dict)   # --map FIELD=COLUMN
    date_format: str | None = None               # --date-format, strptime style
    tz: str | None = None                        # zone of naive times in this file (default: case zone)
    region: str | None = None                    # default phone region (default: case region)
    strict: bool = True                          # False = --lenient
    force: bool = False                          # import a file seen before
    grade: str | None = None                     # 5x5x5 'B2'
    handling: str | None = None                  # 5x5x5 handling code 1-5
    agency: str | None = None
    sheet: str | None = None
    save_profile: str | None = None              # save the mapping used under this name
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. links: source_type, target_type, link_type

    def recorded(self) -> dict[str, Any]:
        """The options as kept in the source record (what was asked, for the method note)."""
        data = {k: v for k, v in self.__dict__.items() if v not in (None, {}, [], False) and k != "force"}
        data["strict"] = self.strict
        return data
