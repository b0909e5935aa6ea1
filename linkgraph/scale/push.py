"""`linkgraph push`: a case's entities, links and sources into the task force's store, append-only.

What goes: entities by canonical key (or, `blind`, the keyed HMAC of the blind-match key derivation, so
agencies that cannot pool numbers can still be analysed together), links with the SHA-256 and row of the
source record behind them, sources with agency and 5x5x5 grades, and a manifest with every file's SHA-256.
What stays home: raw rows, attributes, notes. Victims and minors, their relatives (family links), and the
identifiers and ads that identify them, go as pseudonyms (a case-local keyed hash and "Jane Doe ...", "Relative
..." labels; blind, no labels at all), and their names are replaced by those pseudonyms wherever else the push
writes text: other labels, the case name and source file names ('rosa_marquez_statement.csv'). The push is
audited in the case and in the store.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from linkgraph.case import CaseFile
from linkgraph.graph import GraphFilter, load_entities, load_links
from linkgraph.progress import Progress, no_progress
from linkgraph.scale import ScaleError
from linkgraph.scale.pseudonyms import check_value, derive_key, token
from linkgraph.scale.store import Store, canonical, now_iso, sha256_file

FORMAT = "linkgraph-push"
FORMAT_VERSION = 2             # 2: entities' city and first-seen time; links' amount, hour, weekday, attributes
ROOM_LINKS = ("stayed_at", "booked")
# Record attributes the indicator rules read at scale (categories and flags, never names or ad text); they go
# as columns attr_<name>, text lower-cased and trimmed as the rules compare it.
PUSHED_ATTRS = ("category", "method", "payment", "obscured", "source")


@dataclass
class EntityKeys:
    """How this case's entities are named in the store (the same rule for push and pull)."""

    case_id: str
    secret_key: bytes | None = None
    protected: frozenset[int] = frozenset()
    redactor: Any = None          # the Redactor that named `protected` (its text() scrubs what the push writes)

    @property
    def blind(self) -> bool:
        return self.secret_key is not None

    @property
    def check(self) -> str | None:
        """The check value that tells whether two pushes used the same task-force secret."""
        return check_value(self.secret_key) if self.secret_key else None

    def ekey(self, entity_id: int, etype: str, key: str | None) -> str:
        if entity_id in self.protected:
            if self.blind and key:
                return "h:" + token(self.secret_key, etype, key)
            local = hashlib.sha256(f"{self.case_id}|{etype}|{key or entity_id}".encode()).hexdigest()[:32]
            return "p:" + local
        if key is None:
            local = f"{self.case_id}:{entity_id}"
            return ("h:" + token(self.secret_key, "Local", local)) if self.blind else f"~{local}"
        return ("h:" + token(self.secret_key, etype, key)) if self.blind else f"{etype}:{key}"


def entity_keys(case: CaseFile, secret: str | None) -> EntityKeys:
    from linkgraph.exports.redaction import Redactor

    case_id = case.meta("case_id") or hashlib.sha256(str(case.path.resolve()).encode()).hexdigest()[:16]
    redactor = Redactor(case, True)
    return EntityKeys(case_id, derive_key(secret) if secret else None, frozenset(redactor.protected), redactor)


def case_ekeys(case: CaseFile, keys: EntityKeys) -> pd.DataFrame:
    """Every standing entity of the case with its store key: id, type, key, label, ekey, service, protected."""
    entities = load_entities(case)
    entities = entities[entities["merged_into"].isna()]
    ekeys = [keys.ekey(int(i), t, k) for i, t, k in zip(entities.index, entities["type"], entities["key"],
                                                         strict=True)]
    return entities.assign(ekey=ekeys, protected=[int(i) in keys.protected for i in entities.index])


def entity_cities(case: CaseFile, links: pd.DataFrame) -> dict[int, str]:
    """Entity id -> city key (hotels, locations, cell sites, ads, businesses, accounts), read as the desktop's
    findings read it (`Records.city`: attributes, address, a location's label, an ad's listed place), so
    circuits at scale move between the same cities."""
    from linkgraph.analysis.records import Records
    from linkgraph.graph import AD_LINKS

    records = Records(entities=load_entities(case, attrs=True),
                      links=links[links["type"].isin(AD_LINKS).to_numpy()].reset_index(drop=True))
    return {int(k): str(v) for k, v in records.city.items()}


def attr_text(value: Any) -> str | None:
    """An attribute as indicator rules compare it: text lower-cased and trimmed, a flag as 'true'/'false'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().lower()
    return text or None


def local_days(epochs: np.ndarray, timezone: str) -> np.ndarray:
    """Epoch seconds -> the case's local calendar day numbers (as the desktop's Records.local_day)."""
    stamps = pd.to_datetime(pd.Series(epochs, dtype=float), unit="s", utc=True).dt.tz_convert(timezone)
    days = (stamps.dt.tz_localize(None) - pd.Timestamp("1970-01-01")).dt.days
    return days.to_numpy(dtype=float, na_value=np.nan)


def _write(table: pa.Table, path: Path) -> None:
    """One Parquet file written whole or not at all (a temporary name, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise ScaleError(f"{path} exists already: the store is append-only")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    pq.write_table(table, partial, compression="zstd")
    os.replace(partial, path)


def _scrubber(case: CaseFile, keys: EntityKeys) -> Any:
    """The redactor whose text() takes protected persons' names (victims, minors, relatives) and numbers out of
    what the push writes as text; one that passes text through when nothing is protected."""
    from linkgraph.exports.redaction import Redactor

    if keys.redactor is not None and keys.protected:
        return keys.redactor
    return Redactor(case, False)


def push_case(case: CaseFile, store: Store, *, secret: str | None = None, agency: str | None = None,
              progress: Progress = no_progress) -> dict[str, Any]:
    """Push the case into the store; returns the push's record (id, counts, manifest digest)."""
    agency = agency or case.meta("agency")
    if not agency:
        raise ScaleError("the case names no agency: give --agency (the store records who pushed what)")
    progress(0, 4, "Naming entities")
    keys = entity_keys(case, secret)
    entities = case_ekeys(case, keys)
    from linkgraph.analysis.records import ATTR_LINKS

    links = load_links(case, GraphFilter(), attrs=ATTR_LINKS)
    cities = entity_cities(case, links)
    ekey_of = dict(zip(entities.index.tolist(), entities["ekey"].tolist(), strict=True))
    labels = [None if keys.blind else (f"Protected {t}" if p else lab)
              for t, lab, p in zip(entities["type"], entities["label"], entities["protected"], strict=True)]
    scrub = _scrubber(case, keys)
    if not keys.blind and keys.protected:
        labels = [scrub.label(int(i), lab) for i, lab in zip(entities.index, entities["label"], strict=True)]
    case_name = scrub.text(case.name)
    push_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)
    entity_table = pa.table({
        "push_id": pa.array([push_id] * len(entities), pa.string()),
        "ekey": pa.array(entities["ekey"].tolist(), pa.string()),
        "type": pa.array(entities["type"].tolist(), pa.string()),
        "label": pa.array(labels, pa.string()),
        "role": pa.array([None if keys.blind else r for r in entities["role"]], pa.string()),
        "minor": pa.array(entities["minor"].astype(bool).tolist(), pa.bool_()),
        "service": pa.array(entities["service"].astype(bool).tolist(), pa.bool_()),
        "protected": pa.array(entities["protected"].tolist(), pa.bool_()),
        "city": pa.array([cities.get(int(i)) for i in entities.index], pa.string()),
        "first_seen": pa.array([None if s != s else int(s) for s in entities["first_seen"].to_numpy(float)],
                               pa.int64()),
    })
    progress(1, 4, "Reading links")
    links = links[links["src"].isin(ekey_of) & links["dst"].isin(ekey_of)]
    sources = case.conn.execute(
        "SELECT id, name, sha256, kind, agency, reliability, information, handling, rows_imported FROM sources "
        "ORDER BY id").fetchall()
    sha_of = {row[0]: row[2] for row in sources}
    start = links["start"].to_numpy(float)
    end = links["end"].to_numpy(float)
    timed = ~np.isnan(start)
    day = local_days(start, case.timezone)
    day_end = local_days(np.where(np.isnan(end), start, end), case.timezone)
    rooms = [None if not a or a.get("room") in (None, "") else str(a.get("room")) for a in links["attrs"]]
    stamps = pd.to_datetime(pd.Series(start), unit="s", utc=True).dt.tz_convert(case.timezone)
    hours = stamps.dt.hour.to_numpy(dtype=float, na_value=np.nan)
    weekdays = stamps.dt.day_of_week.to_numpy(dtype=float, na_value=np.nan)
    location = links["location"].to_numpy(float)
    months = pd.to_datetime(pd.Series(start), unit="s", utc=True).dt.strftime("%Y-%m").fillna("undated").to_numpy()

    def ints(values: np.ndarray, mask: np.ndarray) -> pa.Array:
        return pa.array(np.where(mask, values, 0).astype(np.int64), pa.int64(), mask=~mask)

    link_table = pa.table({
        "push_id": pa.array([push_id] * len(links), pa.string()),
        "link_ref": pa.array([f"{push_id}:{int(i):012d}" for i in links["id"]], pa.string()),
        "type": pa.array([str(t) for t in links["type"]], pa.string()),
        "a_key": pa.array([ekey_of[int(i)] for i in links["src"]], pa.string()),
        "b_key": pa.array([ekey_of[int(i)] for i in links["dst"]], pa.string()),
        "start_time": ints(start, timed),
        "end_time": ints(end, ~np.isnan(end)),
        "duration": pa.array(links["duration"].to_numpy(float), pa.float64(), mask=np.isnan(links["duration"])),
        "amount": pa.array(links["amount"].to_numpy(float), pa.float64(), mask=np.isnan(links["amount"])),
        "weight": pa.array(links["weight"].to_numpy(float), pa.float64()),
        "location_key": pa.array([ekey_of.get(int(v)) if v == v else None for v in location], pa.string()),
        "day": ints(day, ~np.isnan(day)),
        "day_end": ints(day_end, ~np.isnan(day_end)),
        "room": pa.array(rooms, pa.string()),
        "hour": ints(hours, ~np.isnan(hours)),
        "weekday": ints(weekdays, ~np.isnan(weekdays)),
        **{f"attr_{name}": pa.array([attr_text(a.get(name)) if a else None for a in links["attrs"]], pa.string())
           for name in PUSHED_ATTRS},
        "source_sha256": pa.array([sha_of[int(s)] for s in links["source_id"]], pa.string()),
        "src_row": pa.array(links["row"].to_numpy(np.int64), pa.int64()),
    })
    source_rows = [{"push_id": push_id, "source_sha256": sha, "name": None if keys.blind else scrub.text(name),
                    "kind": kind,
                    "agency": src_agency or agency, "reliability": rel, "information": info, "handling": handling,
                    "rows_imported": int(rows)}
                   for _, name, sha, kind, src_agency, rel, info, handling, rows in sources]
    progress(2, 4, "Writing Parquet")
    files: list[dict[str, Any]] = []
    written: list[Path] = []
    try:
        parts = [(f"entities/{push_id}.parquet", entity_table),
                 (f"sources/{push_id}.parquet", pa.Table.from_pylist(source_rows, schema=pa.schema([
                     ("push_id", pa.string()), ("source_sha256", pa.string()), ("name", pa.string()),
                     ("kind", pa.string()), ("agency", pa.string()), ("reliability", pa.string()),
                     ("information", pa.string()), ("handling", pa.string()), ("rows_imported", pa.int64())])))]
        for month in sorted(set(months.tolist())):
            chosen = np.flatnonzero(months == month)
            parts.append((f"links/month={month}/{push_id}.parquet", link_table.take(pa.array(chosen))))
        for relative, table in parts:
            path = store.data / relative
            _write(table, path)
            written.append(path)
            files.append({"path": relative, "sha256": sha256_file(path), "rows": table.num_rows,
                          "bytes": path.stat().st_size})
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "push_id": push_id, "agency": agency,
            "case_id": keys.case_id, "case_name": case_name, "timezone": case.timezone, "blind": keys.blind,
            "key_check": keys.check, "pushed_at": now_iso(), "pushed_by": case.user,
            "counts": {"entities": entity_table.num_rows, "links": link_table.num_rows, "sources": len(source_rows),
                       "protected": int(entities["protected"].sum())},
            "files": files,
            "sources": [{k: s[k] for k in ("source_sha256", "name", "kind", "agency", "reliability", "information",
                                           "handling")} for s in source_rows],
        }
        text = canonical(manifest)
        manifest_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        progress(3, 4, "Recording the push")
        with store.transaction():
            store.insert("pushes", {
                "push_id": push_id, "pushed_at": manifest["pushed_at"], "pushed_by": case.user, "agency": agency,
                "case_id": keys.case_id, "case_name": case_name, "timezone": case.timezone, "blind": int(keys.blind),
                "key_check": keys.check, "entities": entity_table.num_rows, "links": link_table.num_rows,
                "sources": len(source_rows), "manifest": text, "manifest_sha256": manifest_sha})
            store.insert("push_files", [{"push_id": push_id, "path": f["path"], "sha256": f["sha256"],
                                         "rows_": f["rows"], "bytes": f["bytes"]} for f in files])
            store.insert("sources", source_rows)
            store.audit(case.user, "push", {"push_id": push_id, "agency": agency, "case_id": keys.case_id,
                                            "manifest_sha256": manifest_sha, "blind": keys.blind})
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    summary = {"push_id": push_id, "store": store.location.shown, "manifest_sha256": manifest_sha,
               "blind": keys.blind, **manifest["counts"]}
    if not case.read_only:
        case.audit("scale_push", summary)
    progress(4, 4, "Pushed")
    return summary
