"""G2's review download (my.G2 > Review Management > Review Activity > Download CSV).

NOT confirmed against a real file. G2's documentation of the download ("Review Activity",
https://documentation.g2.com/docs/review-activity) says the CSV holds the reviews of the
"Reviews found" table under the active filters, but does not list its columns, and no real
export was found to check them. The names follow the field names of G2's reviews API
(``star_rating``, ``submitted_at``, ``public_url``...) and their usual spreadsheet
spellings. If an import reports a required column missing, add ``--map`` options (e.g.
``--map "Date Submitted=posted_at"``) or add the name to the lists below."""

from __future__ import annotations

from cxpulse.ingest.presets.preset import Preset

G2 = Preset(
    name="g2",
    table="mentions",
    doc="my.G2 > Review Management > Review Activity > Download CSV (not confirmed)",
    columns={
        "mention_id": ("Review ID", "Review Id", "ID", "id"),
        "posted_at": (
            "Submitted At",
            "Submitted Date",
            "Date Submitted",
            "Published At",
            "Review Date",
            "Date",
            "submitted_at",
        ),
        "rating": ("Star Rating", "Stars", "Rating", "star_rating"),
        "text": ("Review", "Review Text", "Review Body", "Comment", "What do you like best?"),
        "author": ("Reviewer Name", "Reviewer", "User Name", "Name", "user_name"),
        "url": ("Review URL", "Public URL", "URL", "Link", "public_url"),
        "responded_at": ("Vendor Response Date", "Response Date", "Replied At"),
    },
    constants={"platform": "g2"},
)
