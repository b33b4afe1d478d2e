"""The tables of the surveys cxpulse sends: definitions, trigger decisions, the deliveries
(one per invitation and channel), customer events, the link-signing secret, widget offers."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

SURVEY_DEFINITIONS_TABLE = "survey_definitions"
SURVEY_DECISIONS_TABLE = "survey_decisions"
SURVEY_DELIVERIES_TABLE = "survey_deliveries"
SURVEY_EVENTS_TABLE = "survey_events"
SURVEY_SECRETS_TABLE = "survey_secrets"
WIDGET_OFFERS_TABLE = "survey_widget_offers"

SURVEY_DEFINITIONS = OperationalTable(
    name=SURVEY_DEFINITIONS_TABLE,
    key="survey_id",
    doc="One row per survey: the checked YAML as JSON, replaced by `cxpulse surveys add`.",
    columns=(
        op("survey_id", "string", "The survey's id (its YAML `id`)."),
        op("definition", "string", "The checked definition, as JSON."),
        op("active", "bool", "Whether the survey is sent (paused surveys are kept)."),
        op("added_at", "timestamp", "When this version was added (UTC)."),
    ),
)

SURVEY_DECISIONS = OperationalTable(
    name=SURVEY_DECISIONS_TABLE,
    key="decision_id",
    doc="Every trigger decision with its reason: what `cxpulse why CUSTOMER` reads.",
    columns=(
        op("decision_id", "string", "Id of the decision."),
        op("decided_at", "timestamp", "When it was decided (UTC)."),
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("survey_id", "string", "The survey considered."),
        op("trigger_key", "string", "survey:customer:what triggered it; decided once."),
        op("outcome", "string", "invited or skipped."),
        op("reason", "string", "A short code, e.g. fatigue, lower_priority."),
        op("detail", "string", "The reason in words."),
        op("invitation_id", "string", "The invitation made, when invited."),
        op("next_eligible_at", "timestamp", "When the customer may be asked again (UTC)."),
    ),
)

SURVEY_DELIVERIES = OperationalTable(
    name=SURVEY_DELIVERIES_TABLE,
    key="delivery_key",
    doc="One row per invitation and channel (delivery_key is unique by upsert).",
    columns=(
        op("delivery_key", "string", "invitation:channel, unique."),
        op("invitation_id", "string", "The invitation (survey_invitations.invitation_id)."),
        op("customer_id", "string", "The customer; empty for an anonymous widget visitor."),
        op("survey_id", "string", "The survey sent."),
        op("channel", "string", "email, webhook or widget."),
        op("language", "string", "Language the survey is asked in (ISO 639-1)."),
        op("address", "string", "Where it goes: an email address, a URL or visitor:ID."),
        op("created_at", "timestamp", "When the delivery was made (UTC)."),
        op("expires_at", "timestamp", "When its link stops accepting answers (UTC)."),
        op("status", "string", "queued (outbox), sent, failed, unsubscribed, shown (widget)."),
        op("attempts", "int", "Sending attempts so far."),
        op("sent_at", "timestamp", "When it was sent (UTC)."),
        op("last_error", "string", "The last sending error, if any."),
    ),
)

SURVEY_EVENTS = OperationalTable(
    name=SURVEY_EVENTS_TABLE,
    key="event_id",
    doc="Named customer events that may trigger a survey (besides tickets and orders).",
    columns=(
        op("event_id", "string", "Id of the event."),
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("name", "string", "The event's name, as a survey trigger names it."),
        op("occurred_at", "timestamp", "When it happened (UTC)."),
        op("source", "string", "Where the event came from."),
    ),
)

SURVEY_SECRETS = OperationalTable(
    name=SURVEY_SECRETS_TABLE,
    key="name",
    doc="The workspace's link-signing secret, generated once.",
    columns=(
        op("name", "string", "Which secret."),
        op("value", "string", "The secret."),
        op("created_at", "timestamp", "When it was generated (UTC)."),
    ),
)

WIDGET_OFFERS = OperationalTable(
    name=WIDGET_OFFERS_TABLE,
    key="counter_key",
    doc=(
        "Widget offers shown, counted per survey, page, UTC day and kind of visitor: an "
        "anonymous visitor leaves no row of their own until they answer, so these counters "
        "are what 'shown' means in the widget's funnel."
    ),
    columns=(
        op("counter_key", "string", "survey|day|visitor|page, unique by upsert."),
        op("survey_id", "string", "The survey offered."),
        op("day", "date", "The UTC day of the offers."),
        op("page", "string", "The page's path."),
        op("visitor", "string", "anonymous or customer."),
        op("shown", "int", "Offers shown."),
        op("updated_at", "timestamp", "Last offer counted (UTC)."),
    ),
)

SURVEY_TABLES = (
    SURVEY_DEFINITIONS,
    SURVEY_DECISIONS,
    SURVEY_DELIVERIES,
    SURVEY_EVENTS,
    SURVEY_SECRETS,
    WIDGET_OFFERS,
)
SURVEY_OPERATIONAL_SCHEMAS: dict[str, dict[str, str]] = {
    t.name: t.types() for t in SURVEY_TABLES if t is not WIDGET_OFFERS
}
WIDGET_OFFERS_SCHEMA = WIDGET_OFFERS.types()
