"""The identity registry: key kinds, synonyms and normalisers declared once in model.yaml, the normalisers
registered by name in linkgraph.identity, and canonical_key answering as it did before the move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkgraph.identity import NORMALISERS, canonical_key, person_name_key
from linkgraph.model import load_model

RECORDED = json.loads((Path(__file__).parent / "canonical_keys.json").read_text(encoding="utf-8"))


def test_every_key_kind_has_a_registered_normaliser() -> None:
    model = load_model()
    assert model.key_kinds, "model.yaml declares no key kinds"
    missing = {kind.name: kind.normaliser for kind in model.key_kinds.values() if kind.normaliser not in NORMALISERS}
    assert not missing, f"key kinds whose normaliser is not registered in linkgraph.identity: {missing}"


def test_every_entity_key_is_a_declared_key_kind() -> None:
    model = load_model()
    for etype in model.entities.values():
        assert etype.key is None or etype.key in model.key_kinds, etype.name


def test_every_registered_normaliser_is_used() -> None:
    used = {kind.normaliser for kind in load_model().key_kinds.values()}
    assert set(NORMALISERS) == used


@pytest.mark.parametrize("word", sorted(RECORDED["keys"]))
def test_canonical_key_answers_as_recorded(word: str) -> None:
    got = [canonical_key(word, value) for value in RECORDED["values"]]
    assert got == RECORDED["keys"][word]


def test_written_text_kinds_key_as_the_tabular_importer_did() -> None:
    """Location, Ad and IdDocument had no key from canonical_key; the tabular importer keyed them by their
    text upper-cased with spaces collapsed, which is now their declared normaliser."""
    for word in RECORDED["written_text_words"]:
        for value in RECORDED["values"]:
            expected = " ".join(value.upper().split()) or None
            assert canonical_key(word, value) == expected


def test_region_reaches_the_phone_normaliser() -> None:
    got = [canonical_key("phone", value, "GB") for value in RECORDED["values"]]
    assert got == RECORDED["keys_region_GB"]


def test_a_key_kind_wins_over_an_entity_synonym() -> None:
    model = load_model()
    assert model.entity_type("IMEI").name == "Device"            # a column typed IMEI holds devices
    assert model.key_kind("IMEI").name == "imei"                 # ... read as IMEIs only
    assert canonical_key("IMEI", "310150123456789") is None      # an IMSI is not an IMEI
    assert canonical_key("Device", "310150123456789") == "310150123456789"


def test_synonyms_are_declared_once_in_model_yaml() -> None:
    model = load_model()
    assert model.entity_type("handset").name == "Device"
    assert model.entity_type("Bank Account").name == "Account"
    assert model.key_kind("telephone").name == "phone"
    assert model.key_kind("Person") is None
    assert model.link_type("works-for").name == "employed_by"
    assert model.link_type("Knows").name == "associate_of"       # a sheet's 'knows': associates (see model.yaml)


def test_person_name_key_lives_in_identity_and_storage_reuses_it() -> None:
    from linkgraph.case import importing

    assert importing.person_name_key is person_name_key
    assert person_name_key("  José  GARCÍA, Jr. ") == "jose garcia jr"
