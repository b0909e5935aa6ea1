"""Import profiles as data (importers/profiles/<kind>/*.yaml): column synonyms, value maps and date formats per known layout.

A profile is a YAML file in importers/profiles/<kind>/ (bundled) or in the user's profile
folder (saved mappings). Detection scores every profile of a kind against a header row;
`--profile` picks one by name or path, and `--map FIELD=COLUMN` overrides single columns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from linkgraph.errors import LinkgraphError

BUNDLED = "profiles"


@dataclass
class Profile:
    """One source layout: which columns hold which fields, and how to read their values."""

    name: str
    kind: str
    title: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)   # field -> column synonyms
    required: list[str] = field(default_factory=list)            # fields that must be mapped
    signature: list[str] = field(default_factory=list)           # columns that identify this layout
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> raw value -> meaning
    date_formats: list[str] = field(default_factory=list)
    timezone: str | None = None                                  # e.g. UTC when the layout's times are UTC
    options: dict[str, Any] = field(default_factory=dict)        # layout quirks read by the importer
    path: Path | None = None

    def as_yaml(self) -> str:
        data = {
            "name": self.name, "kind": self.kind, "title": self.title, "fields": self.fields,
            "required": self.required, "signature": self.signature, "values": self.values,
            "date_formats": self.date_formats, "timezone": self.timezone, "options": self.options,
        }
        return yaml.safe_dump({k: v for k, v in data.items() if v not in (None, [], {}, "")},
                              sort_keys=False, allow_unicode=True)


def column_key(text: str) -> str:
    """How column names are compared: lower case, letters and digits only ('(UTC) Time' -> 'utctime')."""
    return re.sub(r"[^0-9a-z]+", "", str(text).lower())


def _from_data(data: dict[str, Any], path: Path | None) -> Profile:
    try:
        fields = {name: [str(s) for s in (syn if isinstance(syn, list) else [syn])]
                  for name, syn in (data.get("fields") or {}).items()}
        return Profile(
            name=str(data["name"]), kind=str(data["kind"]), title=str(data.get("title", "")), fields=fields,
            required=list(data.get("required") or []), signature=list(data.get("signature") or []),
            values={k: {str(a): str(b) for a, b in v.items()} for k, v in (data.get("values") or {}).items()},
            date_formats=list(data.get("date_formats") or []), timezone=data.get("timezone"),
            options=dict(data.get("options") or {}), path=path,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        where = path.name if path else "profile"
        raise LinkgraphError(f"{where}: not a valid import profile ({exc})") from exc


# Profile options that are regular expressions (a shared profile is someone else's input): each must compile and
# must not nest quantifiers ("(a+)+", "(\\w*)*"), which backtrack for ever on a long cell.
REGEX_OPTIONS = ("title_skip", "title_address", "title_name_suffix", "cash_or_prepaid")
MAX_PATTERN = 2_000
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")


def pattern_problem(pattern: object) -> str | None:
    """Why a profile's regular expression cannot be used (malformed, too long, or catastrophic), or None."""
    if not isinstance(pattern, str):
        return "is not text"
    if len(pattern) > MAX_PATTERN:
        return f"is longer than {MAX_PATTERN} characters"
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"is not a valid regular expression ({exc})"
    if _NESTED_QUANTIFIER.search(pattern):
        return "repeats a group that itself repeats (it could run for hours on one cell)"
    return None


def _check_patterns(profile: Profile) -> Profile:
    for name in REGEX_OPTIONS:
        if name in profile.options:
            why = pattern_problem(profile.options[name])
            if why:
                where = profile.path.name if profile.path else "profile"
                raise LinkgraphError(f"{where}: option '{name}' {why}")
    return profile


def load_profile_file(path: Path) -> Profile:
    """A profile from a YAML (or JSON) file, e.g. one shared by another analyst."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LinkgraphError(f"{Path(path).name}: cannot read profile ({exc})") from exc
    if not isinstance(data, dict):
        raise LinkgraphError(f"{Path(path).name}: not a valid import profile")
    return _check_patterns(_from_data(data, Path(path)))


def user_profile_dir() -> Path:
    """Where saved mappings live: %APPDATA%/linkgraph/profiles or ~/.config/linkgraph/profiles."""
    override = os.environ.get("LINKGRAPH_PROFILE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("APPDATA") or os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "linkgraph" / "profiles"


@cache
def _bundled(kind: str) -> tuple[Profile, ...]:
    folder = resources.files("importers").joinpath(BUNDLED, kind)
    if not folder.is_dir():
        return ()
    found = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml", ".json")):
            found.append(_from_data(yaml.safe_load(item.read_text(encoding="utf-8")), Path(str(item))))
    return tuple(found)


def profiles(kind: str) -> list[Profile]:
    """Every profile of a kind: bundled ones first, then the user's saved ones."""
    found = list(_bundled(kind))
    folder = user_profile_dir()
    if folder.is_dir():
        for item in sorted(folder.glob("*.y*ml")):
            try:
                profile = load_profile_file(item)
            except LinkgraphError:
                continue
            if profile.kind == kind:
                found.append(profile)
    return found


def find_profile(kind: str, name_or_path: str) -> Profile:
    """A profile by name (bundled or saved) or by file path."""
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml", ".json") and path.is_file():
        return load_profile_file(path)
    for profile in profiles(kind):
        if profile.name.lower() == name_or_path.lower():
            return profile
    names = ", ".join(p.name for p in profiles(kind)) or "none"
    raise LinkgraphError(f"no {kind} profile named '{name_or_path}' (known: {names})")


def match_columns(profile: Profile, header: Sequence[str]) -> dict[str, str]:
    """field -> header column for every field whose synonym appears in the header (first synonym wins)."""
    by_key: dict[str, str] = {}
    for column in header:
        by_key.setdefault(column_key(column), column)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name, synonyms in profile.fields.items():
        for synonym in synonyms:
            if synonym.endswith("*"):          # 'Call Date/Time - UTC*': any column starting so (an offset follows)
                prefix = column_key(synonym[:-1])
                column = next((c for k, c in by_key.items() if k.startswith(prefix) and c not in used), None)
            else:
                column = by_key.get(column_key(synonym))
            if column is not None and column not in used:
                mapping[field_name] = column
                used.add(column)
                break
    return mapping


def score(profile: Profile, header: Sequence[str]) -> float:
    """How well a header fits a profile: signature columns weigh most, then required, then others."""
    keys = {column_key(c) for c in header if str(c).strip()}
    if not keys:
        return 0.0
    mapping = match_columns(profile, header)
    if any(r not in mapping for r in profile.required if not _has_alternative(profile, r, mapping)):
        partial = 0.5 * len(mapping) / max(len(profile.fields), 1)
        return partial
    signature = sum(1 for s in profile.signature if column_key(s) in keys)
    sig_part = signature / len(profile.signature) if profile.signature else 0.5
    if sig_part < float(profile.options.get("min_signature", 0)):
        return 0.5 + 0.5 * sig_part       # a carrier's layout needs its signature columns: below any full match
    return 1.0 + 2.0 * sig_part + len(mapping) / max(len(profile.fields), 1)


def _has_alternative(profile: Profile, required: str, mapping: dict[str, str]) -> bool:
    """A required 'a|b' entry is met by either field (e.g. start|date)."""
    return any(option in mapping for option in required.split("|"))


def header_scorer(kind: str):
    """A function scoring a candidate header row against every profile of a kind (for header finding)."""
    candidates = profiles(kind)

    def best(cells: list[str]) -> float:
        return max((score(p, cells) for p in candidates), default=0.0)

    return best


@dataclass
class Detection:
    """The profile chosen for a file and the columns mapped to its fields."""

    profile: Profile
    mapping: dict[str, str]
    score: float
    detected: bool   # False when the user named the profile


def resolve(
    kind: str,
    header: Sequence[str],
    *,
    profile: str | None = None,
    overrides: dict[str, str] | None = None,
    file_name: str = "",
) -> Detection:
    """Pick the profile (named, or best by header), apply --map overrides, check required fields."""
    if profile:
        chosen, detected = find_profile(kind, profile), False
        best_score = score(chosen, header)
    else:
        ranked = sorted(((score(p, header), i, p) for i, p in enumerate(profiles(kind))),
                        key=lambda t: (-t[0], float(t[2].options.get("order", 0)), t[1]))   # ties: lower order
        if not ranked:
            raise LinkgraphError(f"no {kind} profiles are installed")
        best_score, _, chosen = ranked[0]
        best_score, chosen = _two_party_first(ranked, header) or (best_score, chosen)
        detected = True
    mapping = match_columns(chosen, header)
    by_key = {column_key(c): c for c in header}
    for field_name, column in (overrides or {}).items():
        if field_name not in chosen.fields and field_name not in chosen.options.get("extra_fields", []):
            known = ", ".join(chosen.fields)
            raise LinkgraphError(f"--map {field_name}=...: '{field_name}' is not a {kind} field (fields: {known})")
        actual = column if column in header else by_key.get(column_key(column))
        if actual is None:
            raise LinkgraphError(
                f"{file_name}: --map {field_name}={column}: no column '{column}' in the header "
                f"({', '.join(str(h) for h in header)})"
            )
        mapping = {f: c for f, c in mapping.items() if c != actual}
        mapping[field_name] = actual
    missing = [r for r in chosen.required if not _has_alternative(chosen, r, mapping)]
    if missing:
        wanted = "; ".join(f"{m.replace('|', ' or ')} (e.g. {', '.join(_synonyms(chosen, m)[:3])})" for m in missing)
        raise LinkgraphError(
            f"{file_name}: no column found for {wanted} with profile '{chosen.name}'. Columns in the file: "
            f"{', '.join(str(h) for h in header)}. Map them with --map FIELD=COLUMN"
        )
    return Detection(chosen, mapping, best_score, detected)


def _two_party_first(ranked: list[tuple[float, int, Profile]], header: Sequence[str]) -> tuple[float, Profile] | None:
    """A one-party layout (a handset's log: `party` + direction) whose party column is the caller column of a
    fully matched two-party layout ('caller_id' beside 'recipient_id') is a two-party sheet: that layout wins."""
    for value, _, profile in ranked[1:]:
        if value >= 1.0 and _reads_party_as_caller(ranked[0][2], profile, header):
            return value, profile
    return None


def _reads_party_as_caller(one_party: Profile, two_party: Profile, header: Sequence[str]) -> bool:
    party = match_columns(one_party, header).get("party")
    mapping = match_columns(two_party, header)
    return (party is not None and "party" not in mapping and bool(mapping.get("caller")) and bool(mapping.get("callee"))
            and party in (mapping.get("caller"), mapping.get("callee")))


def two_party_sheet(one_party: Profile, header: Sequence[str]) -> bool:
    """True when a header a one-party layout matches is a two-party call sheet (its 'party' column is the
    caller or callee of a fully matched phone layout): not a handset's own log."""
    return any(_reads_party_as_caller(one_party, other, header) for other in profiles("phone")
               if other is not one_party and score(other, header) >= 1.0)


def _synonyms(profile: Profile, required: str) -> list[str]:
    out: list[str] = []
    for option in required.split("|"):
        out.extend(profile.fields.get(option, [option]))
    return out


def save_profile(base: Profile, mapping: dict[str, str], name: str, folder: Path | None = None) -> Path:
    """Save a user's mapping as a named profile (the mapped columns become the first synonyms)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise LinkgraphError(f"profile name '{name}': use letters, digits, '-', '_' or '.'")
    fields = {f: list(dict.fromkeys([mapping[f], *syn])) if f in mapping else list(syn)
              for f, syn in base.fields.items()}
    profile = Profile(
        name=name, kind=base.kind, title=f"{name} (saved from {base.name})", fields=fields,
        required=list(base.required), signature=[mapping[f] for f in base.required if f in mapping],
        values=base.values, date_formats=base.date_formats, timezone=base.timezone, options=base.options,
    )
    target = (folder or user_profile_dir())
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.yaml"
    path.write_text(profile.as_yaml(), encoding="utf-8")
    return path
