"""Entity and link types of a case, read from model.yaml (the declaration is the data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from linkgraph.errors import LinkgraphError


@dataclass(frozen=True)
class EntityType:
    """A kind of thing in a case (Person, Phone, ...) with its FtM mapping and chart style."""

    name: str
    ftm: str
    key: str | None
    colour: str
    shape: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkType:
    """A kind of link (call, stayed_at, paid, ...): directed or not, an event in time or a standing tie."""

    name: str
    ftm: str
    directed: bool
    event: bool
    label: str


@dataclass(frozen=True)
class Model:
    """All declared types; look-ups accept any capitalisation and a few investigator synonyms."""

    entities: dict[str, EntityType]
    links: dict[str, LinkType]
    person_roles: tuple[str, ...]

    def entity_type(self, name: str) -> EntityType:
        """The entity type called `name` (case-insensitive, 'Address' -> Location, 'IMEI' -> Device)."""
        wanted = _ENTITY_SYNONYMS.get(name.strip().lower(), name.strip().lower())
        for etype in self.entities.values():
            if etype.name.lower() == wanted:
                return etype
        known = ", ".join(self.entities)
        raise LinkgraphError(f"unknown entity type '{name}' (known: {known})")

    def link_type(self, name: str) -> LinkType:
        """The link type called `name`; spaces and dashes read as underscores."""
        wanted = name.strip().lower().replace(" ", "_").replace("-", "_")
        wanted = _LINK_SYNONYMS.get(wanted, wanted)
        if wanted in self.links:
            return self.links[wanted]
        known = ", ".join(self.links)
        raise LinkgraphError(f"unknown link type '{name}' (known: {known})")

    def has_link_type(self, name: str) -> bool:
        """Whether `name` names a declared link type (after synonyms)."""
        try:
            self.link_type(name)
        except LinkgraphError:
            return False
        return True


_ENTITY_SYNONYMS = {
    "address": "location",
    "place": "location",
    "city": "location",
    "imei": "device",
    "imsi": "device",
    "handset": "device",
    "bankaccount": "account",
    "bank account": "account",
    "company": "business",
    "motel": "hotel",
    "tower": "cellsite",
    "cell site": "cellsite",
    "cell_site": "cellsite",
    "online account": "onlineaccount",
    "user": "onlineaccount",
    "plate": "vehicle",
    "car": "vehicle",
    "gang": "organization",
    "set": "organization",
    "number": "phone",
    "telephone": "phone",
    "people": "person",
    "id": "iddocument",
}

_LINK_SYNONYMS = {
    "associate": "associate_of",
    "associated_with": "associate_of",
    "knows": "associate_of",
    "member": "member_of",
    "membership": "member_of",
    "family": "family_of",
    "relative": "family_of",
    "payment": "paid",
    "pays": "paid",
    "transfer": "transferred",
    "text": "sms",
    "message": "sms",
    "stay": "stayed_at",
    "owner": "owns",
    "works_for": "employed_by",
    "employee_of": "employed_by",
    "related": "related_to",
    "link": "related_to",
}


@cache
def load_model() -> Model:
    """The model declared in linkgraph/model.yaml (read once)."""
    text = resources.files("linkgraph").joinpath("model.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when built with it
    entities = {
        name: EntityType(
            name=name,
            ftm=spec["ftm"],
            key=spec.get("key"),
            colour=spec["colour"],
            shape=spec["shape"],
            properties=dict(spec.get("properties") or {}),
        )
        for name, spec in data["entities"].items()
    }
    links = {
        name: LinkType(
            name=name,
            ftm=spec["ftm"],
            directed=bool(spec["directed"]),
            event=bool(spec["event"]),
            label=spec["label"],
        )
        for name, spec in data["links"].items()
    }
    return Model(entities=entities, links=links, person_roles=tuple(data["person_roles"]))
