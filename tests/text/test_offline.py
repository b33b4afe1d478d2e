"""Nothing downloads at run time: analyzers, themes and discovery work with the network cut."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from cxpulse.text.discover import discover
from cxpulse.text.english import CxVaderAnalyzer, VaderAnalyzer
from cxpulse.text.french import FrenchLexiconAnalyzer
from cxpulse.text.themes import load_taxonomy


def test_everything_runs_without_network(monkeypatch: Any, tmp_path: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("cxpulse.text tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))  # no nltk_data or model cache to fall back on
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    for analyzer in (CxVaderAnalyzer(), VaderAnalyzer(), FrenchLexiconAnalyzer()):
        assert len(analyzer.score(["Great coffee", "Livraison en retard"])) == 2
    assert load_taxonomy().assign("colis en retard", "fr") == ["delivery", "wait_time"]
    pytest.importorskip("sklearn")
    assert discover(
        ["gift wrap please", "gift wrapping", "points missing", "my points"], n_clusters=2
    )
