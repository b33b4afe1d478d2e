"""A source's token is read where its reference points and never stored or shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse.errors import ConfigError, SourceAuthError
from cxpulse.sources.secrets import describe, reference, resolve, scrub


def test_an_environment_variable() -> None:
    ref = reference(env="ZENDESK_TOKEN")
    assert ref == "env:ZENDESK_TOKEN"
    assert resolve(ref, "support", {"ZENDESK_TOKEN": " abc "}) == "abc"
    assert describe(ref) == "the environment variable ZENDESK_TOKEN"


def test_a_key_of_a_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("# tokens\nOTHER=x\nexport ZENDESK_TOKEN='s3cret'\n", encoding="utf-8")
    ref = reference(file=path, key="ZENDESK_TOKEN")
    assert resolve(ref, "support", {}) == "s3cret"
    assert describe(ref) == f"ZENDESK_TOKEN in {path}"
    with pytest.raises(SourceAuthError, match=f"MISSING in {path} is empty or not set"):
        resolve(reference(file=path, key="MISSING"), "support", {})
    with pytest.raises(SourceAuthError, match="cannot read its secrets file"):
        resolve(reference(file=tmp_path / "nope.env", key="K"), "support", {})


def test_one_reference_is_needed() -> None:
    for wrong in ({}, {"env": "A", "file": "f", "key": "k"}, {"file": "f"}, {"env": "A B"}):
        with pytest.raises(ConfigError):
            reference(**wrong)  # type: ignore[arg-type]


def test_scrub_masks_every_secret() -> None:
    assert scrub("token abc in abcdef", ["abcdef", "abc", ""]) == "token *** in ***"


def test_scrub_masks_a_secret_only_where_it_stands_alone() -> None:
    said = "cannot reach https://u:x@acme.zendesk.com: run `cxpulse sources list`"
    assert (
        scrub(said, ["x"])
        == "cannot reach https://u:***@acme.zendesk.com: run `cxpulse sources list`"
    )
    assert scrub("Authorization=tok-123.A; again tok-123.A.", ["tok-123.A"]) == (
        "Authorization=***; again ***."
    )
