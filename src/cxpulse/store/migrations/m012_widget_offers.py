"""Migration 12 (39cdba2, 26e39af): widget offers are counted per survey, page (the URL's
path), UTC day and kind of visitor; and the offers earlier versions made to anonymous visitors
are no longer invitations (anyone could make them up, and the unanswered ones counted as
delivered in the response rate): their invitations and decisions go, and so do the deliveries
of the unanswered ones. An answered visitor's delivery stays (their budget)."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import D, I, Migration, S, T, create_tables, lookup_indexes

TABLES = {
    "survey_widget_offers": {
        "counter_key": S,  # survey|day|visitor|page, unique by upsert
        "survey_id": S,
        "day": D,
        "page": S,
        "visitor": S,  # anonymous or customer
        "shown": I,
        "updated_at": T,
    },
}
# the counter is read by key on every offer
INDEXES = (("cxpulse_widget_offers_key", "survey_widget_offers", "counter_key"),)


def apply(store: Store) -> None:
    if not store.has_table("survey_widget_offers"):  # a test may replay the migrations
        create_tables(store, TABLES)
    if store.backend not in ("duckdb", "postgres"):
        return
    lookup_indexes(store, INDEXES)
    store.con.raw_sql(
        "DELETE FROM survey_deliveries WHERE channel = 'widget' AND customer_id IS NULL "
        "AND address LIKE 'visitor:%' AND invitation_id NOT IN (SELECT invitation_id "
        "FROM survey_responses WHERE invitation_id IS NOT NULL)"
    )
    store.con.raw_sql(
        "DELETE FROM survey_invitations WHERE source = 'cxpulse-widget' AND customer_id IS NULL"
    )
    store.con.raw_sql("DELETE FROM survey_decisions WHERE customer_id LIKE 'visitor:%'")


MIGRATION = Migration(12, "widget offers counted; anonymous offers are not invitations", apply)
