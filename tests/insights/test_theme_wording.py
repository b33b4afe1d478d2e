"""The sentences of theme findings: segments named in plain words, in English and French."""

from __future__ import annotations

import pytest

from cxpulse.insights.theme_wording import segment_text


@pytest.mark.parametrize(
    ("segment", "en", "fr"),
    [
        (None, "", ""),
        ({"touchpoint": "delivery"}, " (touchpoint: delivery)",
         " (point de contact\u202f: delivery)"),
        ({"customer.segment": "smb"}, " (customer segment: smb)", " (segment client\u202f: smb)"),
        ({"customer.country": ["FR", "BE"]}, " (country: FR, BE)", " (pays\u202f: FR, BE)"),
        ({"agent_id": "a1", "channel": "email"}, " (agent: a1; channel: email)",
         " (agent\u202f: a1; canal\u202f: email)"),
        ({"shop_floor": "north"}, " (shop_floor: north)", " (shop_floor\u202f: north)"),
    ],
)  # fmt: skip
def test_a_segment_is_named_as_the_change_findings_name_it(
    segment: dict[str, object] | None, en: str, fr: str
) -> None:
    """Never the column key ("customer.segment = smb"): the dimension's name in the reader's
    language, as in "CSAT (customer segment: smb) fell ..."."""
    assert segment_text(segment, "en") == en
    assert segment_text(segment, "fr") == fr
