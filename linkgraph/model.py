"""Entity and link types of a case, and the identity key kinds, read from model.yaml (the declaration is the data).

Every word for a type is declared there once: an entity or link type's synonyms, each entity type's key kind,
and each key kind's normaliser (by name; the functions are registered in `linkgraph.identity`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from linkgraph.errors import LinkgraphError

_NOT_A_LETTER = re.compile(r"[^a-z]")


def letters(word: str) -> str:
    """A type word as key kinds are looked up: lower case, letters only ('Cell Site', 'cell_site' -> 'cellsite')."""
    return _NOT_A_LETTER.sub("", word.lower())


@dataclass(frozen=True)
class EntityType:
    """A kind of thing in a case (Person, Phone, ...) with its key kind, FtM mapping, chart style and synonyms."""

    name: str
    ftm: str
    key: str | None
    colour: str
    shape: str
    properties: dict[str, str] = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkType:
    """A kind of link (call, stayed_at, paid, ...): directed or not, an event in time or a standing tie."""

    name: str
    ftm: str
    directed: bool
    event: bool
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyKind:
    """A kind of identity key (phone, email, device, ...) and the name of the normaliser that makes it."""

    name: str
    normaliser: str


@dataclass(frozen=True)
class Model:
    """All declared types; look-ups accept any capitalisation and the synonyms model.yaml declares."""

    entities: dict[str, EntityType]
    links: dict[str, LinkType]
    person_roles: tuple[str, ...]
    key_kinds: dict[str, KeyKind] = field(default_factory=dict)
    _entity_words: dict[str, str] = field(default_factory=dict, repr=False)   # lower-case word -> type name
    _link_words: dict[str, str] = field(default_factory=dict, repr=False)     # synonym -> link type name
    _key_words: dict[str, str] = field(default_factory=dict, repr=False)      # letters() word -> key kind

    def entity_type(self, name: str) -> EntityType:
        """The entity type called `name` (case-insensitive, 'Address' -> Location, 'IMEI' -> Device)."""
        found = self._entity_words.get(name.strip().lower())
        if found is not None:
            return self.entities[found]
        known = ", ".join(self.entities)
        raise LinkgraphError(f"unknown entity type '{name}' (known: {known})")

    def link_type(self, name: str) -> LinkType:
        """The link type called `name`; spaces and dashes read as underscores."""
        wanted = name.strip().lower().replace(" ", "_").replace("-", "_")
        wanted = self._link_words.get(wanted, wanted)
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

    def key_kind(self, word: str) -> KeyKind | None:
        """The key kind a word names: a key kind itself ('imei', 'cell_site'), else an entity type or one of its
        synonyms ('Phone', 'telephone', 'Bank account'); None for an unkeyed type (Person) or an unknown word."""
        found = self._key_words.get(letters(word))
        return self.key_kinds[found] if found is not None else None


def _entity_words(entities: dict[str, EntityType]) -> dict[str, str]:
    """Each type's name and synonyms (lower case) -> the type's name; a word naming two types is refused."""
    words: dict[str, str] = {}
    for etype in entities.values():
        for word in (etype.name, *etype.synonyms):
            word = word.strip().lower()
            if words.setdefault(word, etype.name) != etype.name:
                raise LinkgraphError(f"model.yaml: '{word}' names both {words[word]} and {etype.name}")
    return words


def _key_words(entities: dict[str, EntityType], kinds: dict[str, KeyKind]) -> dict[str, str]:
    """Every word canonical_key accepts -> its key kind: the kinds' own names first, then keyed entity types'
    names and synonyms (so 'imei' is the imei kind, while model.entity_type('imei') is Device)."""
    words = {letters(kind): kind for kind in kinds}
    for etype in entities.values():
        if etype.key is None:
            continue
        if etype.key not in kinds:
            raise LinkgraphError(f"model.yaml: {etype.name}'s key '{etype.key}' is not a declared key kind")
        for word in (etype.name, *etype.synonyms):
            words.setdefault(letters(word), etype.key)
    return words


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
            synonyms=tuple(spec.get("synonyms") or ()),
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
            synonyms=tuple(spec.get("synonyms") or ()),
        )
        for name, spec in data["links"].items()
    }
    kinds = {name: KeyKind(name=name, normaliser=spec["normaliser"]) for name, spec in data["key_kinds"].items()}
    link_words = {word: ltype.name for ltype in links.values() for word in ltype.synonyms}
    return Model(entities=entities, links=links, person_roles=tuple(data["person_roles"]), key_kinds=kinds,
                 _entity_words=_entity_words(entities), _link_words=link_words,
                 _key_words=_key_words(entities, kinds))
