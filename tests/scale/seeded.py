"""Seeded test cases for the scale tests: phones calling in groups, planted number swaps, hotel stays,
cell sites, a voicemail number, a victim and a merge; written through ImportSession like an importer."""

from __future__ import annotations

import random
from pathlib import Path

from linkgraph.case import CaseFile, ImportSession
from linkgraph.case.merges import merge_entities

DAY = 86_400
START = 1_709_280_000  # 2024-03-01 08:00 UTC


class _Rows:
    """Numbers each written record's raw row (a one-cell line naming it) and writes phones by number."""

    def __init__(self, session: ImportSession, prefix: str) -> None:
        session.set_header(["record"], 1)
        self.session, self.prefix, self.row = session, prefix, 1

    def next_row(self, *cells: object) -> int:
        self.row += 1
        self.session.raw_row(self.row, [" ".join(str(c) for c in cells)])
        return self.row

    def phone(self, n: int) -> int:
        key = f"+1{self.prefix}555{n:04d}"
        return self.session.entity("Phone", key, key, row=self.next_row("phone", n),
                                   attrs={"kind": "mobile_or_fixed"})


def build_seeded_case(path: Path, seed: int, *, phones: int = 120, calls: int = 3000, agency: str = "Agency A",
                      prefix: str = "209") -> Path:
    """A case file with `phones` phones in a few calling groups over 90 days (same seed, same case)."""
    rng = random.Random(seed)
    with CaseFile.create(path, name=f"Seeded {seed}", timezone="America/Los_Angeles", region="US",
                         agency=agency) as case:
        source = path.with_suffix(f".{seed}.csv")
        source.write_text(f"seeded records {seed} {prefix}\n", encoding="utf-8")
        with ImportSession(case, source, kind="links", grade="B2") as session:
            rows = _Rows(session, prefix)
            next_row, phone = rows.next_row, rows.phone

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


def build_crowded_case(path: Path, seed: int, *, prefix: str = "212") -> Path:
    """A case stressing co-locations and swaps at their edges: a crowd of phones on one site in one window (more
    than the crowd cap, so only its last records meet), records exactly the window apart and a second more,
    records at the same second, a carrier return whose target owns its sites, a hub called by more phones
    than the hub cap, and a chain of swaps (A -> B -> C) with a new number starting exactly the largest gap
    after its old one and another a second later."""
    rng = random.Random(seed)
    window = 15 * 60
    with CaseFile.create(path, name=f"Crowded {seed}", timezone="UTC", region="US", agency="Agency C") as case:
        source = path.with_suffix(f".{seed}.csv")
        source.write_text(f"crowded records {seed} {prefix}\n", encoding="utf-8")
        with ImportSession(case, source, kind="links", grade="B2") as session:
            rows = _Rows(session, prefix)
            next_row, phone = rows.next_row, rows.phone

            def call(a: int, b: int, when: int, site: int | None = None) -> None:
                session.link("call", a, b, row=next_row("call", a, b, when), start=when, duration=60, location=site)

            ids = [phone(n) for n in range(300)]
            sites = [session.entity("CellSite", f"site-{prefix}-{s}", f"Site {s}", row=next_row("site", s))
                     for s in range(4)]
            # Background: the first 60 phones call each other over 100 days, some on the sites.
            for _ in range(1500):
                a, b = rng.sample(ids[:60], 2)
                when = START + rng.randrange(100) * DAY + rng.randrange(DAY)
                call(a, b, when, sites[rng.randrange(4)] if rng.random() < 0.3 else None)
            # A crowd: 40 phones on site 0 within ten minutes on four days (each record 15 s after the last):
            # the first records have more than 30 later records in their window and meet nobody.
            for day in (10, 20, 30, 40):
                base = START + day * DAY + 12 * 3600
                for k, p in enumerate(ids[100:140]):
                    call(p, ids[rng.randrange(60)], base + 15 * k, sites[0])
            # Window edges on site 1: 141 and 142 exactly the window apart (they meet), 141 and 143 a second
            # more (they do not); 144, 145 and 146 at the same second, and 144 twice.
            for day in (11, 21, 31):
                base = START + day * DAY + 9 * 3600
                call(ids[141], ids[1], base, sites[1])
                call(ids[142], ids[2], base + window, sites[1])
                call(ids[143], ids[3], base + window + 1 + 5 * DAY // 24, sites[1])
                call(ids[141], ids[4], base + 5 * DAY // 24, sites[1])
                for p in (ids[144], ids[145], ids[146], ids[144]):
                    call(p, ids[5], base + 2 * 3600, sites[1])
            # A hub (a pizza place) called by 250 phones, the swapping phones among them.
            hub = ids[299]
            for p in ids[:150] + ids[155:255]:
                call(p, hub, START + rng.randrange(100) * DAY + rng.randrange(DAY))
            # Swaps: A (150) active days 0-30, B (151) from day 51 (exactly 21 days after A's last record) to
            # day 70, C (152) from day 73; D (153) stops on day 30, E (154) starts 21 days and a second later.
            friends = ids[160:166]
            a_last = START + 30 * DAY
            for k, f in enumerate(friends):
                call(ids[150], f, START + k * DAY + 600)
                call(ids[150], f, a_last - k * 60)
                if k < 3:            # B shares three of A's contacts ...
                    call(ids[151], f, a_last + 21 * DAY + k * 60)
                    call(ids[151], f, START + 70 * DAY - k * 60)
                if k in (0, 3, 4, 5):     # ... and C one of B's, three more of A's: found in round 2, A -> B -> C
                    call(ids[152], f, START + 73 * DAY + k * 60)
                    call(ids[152], f, START + 99 * DAY + k * 60)
                call(ids[153], ids[170 + k], START + k * DAY + 900)
                call(ids[153], ids[170 + k], a_last - k * 60 - 5)
                call(ids[154], ids[170 + k], a_last - 5 + 21 * DAY + 1 + k * 60)
                call(ids[154], ids[170 + k], START + 99 * DAY + k * 60)
            for p, day in ((150, 29), (151, 60), (152, 90), (153, 29), (154, 90)):
                call(ids[p], hub, START + day * DAY)
            for day in (12, 22, 32):             # beside the carrier return's records on site 2
                call(ids[203], ids[6], START + day * DAY + 15 * 3600 + 60, sites[2])
        # A carrier return: one target (200) at an end of every record; the site is the target's.
        source2 = path.with_suffix(f".{seed}.ret.csv")
        source2.write_text(f"carrier return {seed}\n", encoding="utf-8")
        with ImportSession(case, source2, kind="links") as session:
            session.set_header(["record"], 1)
            for n, day in enumerate((12, 22, 32)):
                when = START + day * DAY + 15 * 3600
                session.raw_row(2 + 2 * n, [f"in {day}"])
                target = session.entity("Phone", f"+1{prefix}5550200", "target", row=2 + 2 * n)
                caller = session.entity("Phone", f"+1{prefix}5550201", "caller", row=2 + 2 * n)
                session.link("call", caller, target, row=2 + 2 * n, start=when, duration=30, location=sites[2])
                session.raw_row(3 + 2 * n, [f"out {day}"])
                friend = session.entity("Phone", f"+1{prefix}5550202", "friend", row=3 + 2 * n)
                session.link("call", target, friend, row=3 + 2 * n, start=when + 120, duration=30, location=sites[2])
    return path
