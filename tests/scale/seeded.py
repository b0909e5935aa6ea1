"""Seeded test cases for the scale tests: phones calling in groups, planted number swaps, hotel stays,
cell sites, a voicemail number, a victim and a merge; written through ImportSession like an importer."""

from __future__ import annotations

import random
from pathlib import Path

from linkgraph.case import CaseFile, ImportSession
from linkgraph.case.merges import merge_entities

DAY = 86_400
START = 1_709_280_000  # 2024-03-01 08:00 UTC


def build_seeded_case(path: Path, seed: int, *, phones: int = 120, calls: int = 3000, agency: str = "Agency A",
                      prefix: str = "209") -> Path:
    """A case file with `phones` phones in a few calling groups over 90 days (same seed, same case)."""
    rng = random.Random(seed)
    with CaseFile.create(path, name=f"Seeded {seed}", timezone="America/Los_Angeles", region="US",
                         agency=agency) as case:
        source = path.with_suffix(f".{seed}.csv")
        source.write_text(f"seeded records {seed} {prefix}\n", encoding="utf-8")
        with ImportSession(case, source, kind="links", grade="B2") as session:
            session.set_header(["record"], 1)
            row = 1

            def next_row(*cells: object) -> int:
                nonlocal row
                row += 1
                session.raw_row(row, [" ".join(str(c) for c in cells)])
                return row

            def phone(n: int) -> int:
                key = f"+1{prefix}555{n:04d}"
                return session.entity("Phone", key, key, row=next_row("phone", n), attrs={"kind": "mobile_or_fixed"})

            ids = [phone(n) for n in range(phones)]
            voicemail = session.entity("Phone", f"+1{prefix}5559999", "voicemail", row=next_row("vm"),
                                       attrs={"kind": "service"})
            groups = [ids[i::5] for i in range(5)]
            sites = [session.entity("CellSite", f"site-{prefix}-{s}", f"Site {s}", row=next_row("site", s))
                     for s in range(6)]
            # Swaps: the first phone of each group stops on day 40; a new phone starts on day 45 calling the
            # same people.
            swapped = {}
            for g, members in enumerate(groups[:3]):
                old = members[0]
                new = phone(phones + g)
                swapped[old] = new
            for _ in range(calls):
                members = groups[rng.randrange(5)] if rng.random() < 0.9 else ids
                a, b = rng.sample(members, 2)
                day = rng.randrange(90)
                if a in swapped and day >= 40:
                    a = swapped[a] if day >= 45 else b
                if b in swapped and day >= 40:
                    b = swapped[b] if day >= 45 else a
                if a == b:
                    continue
                when = START + day * DAY + rng.randrange(DAY)
                site = sites[rng.randrange(len(sites))] if rng.random() < 0.5 else None
                kind = "call" if rng.random() < 0.8 else "sms"
                session.link(kind, a, b, row=next_row(kind, a, b), start=when, duration=60 if kind == "call" else None,
                             location=site)
                if rng.random() < 0.02:
                    session.link("call", a, voicemail, row=next_row("vm", a), start=when + 30, duration=20)
            # Two phones meeting on one site within minutes on several days.
            for day in (3, 9, 17):
                when = START + day * DAY + 3600
                session.link("call", ids[1], ids[7], row=next_row("m", day), start=when, location=sites[0])
                session.link("call", ids[2], ids[8], row=next_row("m2", day), start=when + 300, location=sites[0])
            # Hotel stays: two guests overlapping, a booking naming no guest, a victim.
            hotel = session.entity("Hotel", f"hotel-{prefix}", "Delta Inn", row=next_row("hotel"))
            boss = session.entity("Person", None, f"Boss {prefix}", row=next_row("boss"), role="suspect")
            girl = session.entity("Person", None, f"Jane {prefix}", row=next_row("girl"), role="victim", minor=True)
            helper = session.entity("Person", None, f"Helper {prefix}", row=next_row("helper"))
            for who, arrive, nights, room in ((boss, 5, 3, "101"), (girl, 6, 2, "101"), (helper, 7, 4, "102"),
                                              (boss, 30, 1, "110"), (girl, 30, 1, "111")):
                when = START + arrive * DAY + 15 * 3600
                session.link("stayed_at", who, hotel, row=next_row("stay", who), start=when,
                             end=when + nights * DAY - 4 * 3600, attrs={"room": room})
            # A circuit: the boss's phone advertised in three cities a few days apart, and the boss staying at
            # hotels in two of them (the ads are dated by their posting records, the last by its first-seen time,
            # which an untimed posting record leaves to its other records).
            ads = []
            for n, (city, day) in enumerate((("Fresno, CA", 50), ("Modesto", 54), ("Reno, NV 89501", 58),
                                             ("Fresno", 62))):
                ad = session.entity("Ad", f"https://ads.example/{prefix}/{n}", f"Ad {n}", row=next_row("ad", n),
                                    attrs={"city": city})
                when = START + day * DAY + 7200
                session.link("posted", ids[0], ad, row=next_row("post", n), start=None if n == 3 else when)
                ads.append(ad)
                if n == 3:
                    session.link("near_duplicate", ad, ads[0], row=next_row("dup", n), start=when)
            for n, (city, day) in enumerate((("Modesto", 55), ("Reno", 59), ("Sacramento", 63))):   # short stays
                inn = session.entity("Hotel", f"inn-{prefix}-{n}", f"Inn {n}", row=next_row("inn", n),
                                     attrs={"city": city})
                when = START + day * DAY + 15 * 3600
                session.link("stayed_at", boss, inn, row=next_row("inn-stay", n), start=when, end=when + DAY)
            session.link("uses", boss, ids[0], row=next_row("uses"))
            session.link("uses", girl, ids[3], row=next_row("uses2"))
        # A merge: the helper's second record merged into the first (links follow the survivor).
        source2 = path.with_suffix(f".{seed}.b.csv")
        source2.write_text(f"second source {seed}\n", encoding="utf-8")
        with ImportSession(case, source2, kind="links") as session:
            session.set_header(["record"], 1)
            session.raw_row(2, ["helper again"])
            twin = session.entity("Person", None, f"Helper {prefix}", row=2)
            session.raw_row(3, ["call"])
            first_phone = session.entity("Phone", f"+1{prefix}5550011", "x", row=3)
            session.link("uses", twin, first_phone, row=3)
        helper_id = case.conn.execute("SELECT MIN(id) FROM entities WHERE label = ?", (f"Helper {prefix}",)).fetchone()[0]
        merge_entities(case, helper_id, twin, reason="same person")
    return path
