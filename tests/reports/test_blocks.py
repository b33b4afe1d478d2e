"""The parts reports are made of: the headline table of metric cards."""

from __future__ import annotations

from cxpulse.reports.blocks import cards_table


def _card(metric: str, unit: str, value: float) -> dict[str, object]:
    return {
        "metric": metric,
        "unit": unit,
        "period": "2026-10",
        "value": value,
        "previous": value - 1.5,
        "change": 1.5,
        "ci_low": None,
        "ci_high": None,
        "n": 10,
        "target": None,
    }


def test_counts_are_whole_numbers_and_rates_keep_their_decimals() -> None:
    table = cards_table("t", [_card("volume", "tickets", 1450.0), _card("csat", "%", 77.25)])
    volume, csat = table.rows
    assert volume[3:6] == (1450, 1448, 2)
    assert csat[3:6] == (77.25, 75.75, 1.5)
    assert table.columns[3:6] == ("last", "prev", "change")
