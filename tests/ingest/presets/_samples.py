"""The sample exports under tests/ingest/fixtures/presets, and a copy with one value broken."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).parent.parent / "fixtures" / "presets"


def sample(name: str) -> Path:
    return SAMPLES / name


def broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the sample ``name`` with ``old`` (found once) replaced by ``new``."""
    text = sample(name).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should appear once in {name}"
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path
