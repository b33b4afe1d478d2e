"""The canonical tables: every signal about a customer, in one place.

Each table has a natural key (the id the source system gave the row, so re-importing a file
updates instead of duplicating), a ``source`` column saying where the row came from, and typed,
documented columns. Timestamps are stored as UTC without a zone; calendar periods are computed
in the workspace's time zone at query time.

Rules that involve one column (required, range, allowed values) are declared on the column;
rules that tie columns together are declared on the table as :class:`RowRule`, so ingestion,
the HTTP API and the docs all read them from here.
"""

from __future__ import annotations

from dataclasses import replace

from cxpulse.errors import UnknownTableError
from cxpulse.schema.columns import Column, RowRule, Table


def _key(name: str, what: str) -> Column:
    return Column(name, "string", f"Natural key: the {what} id in the source system.", True)


SOURCE = Column(
    "source",
    "string",
    "Where the row came from (a file name, 'demo', 'api', or a system such as 'zendesk').",
)
# survey_invitations.source of the invitations cxpulse itself sends: their ``delivered`` is
# NULL while the message waits in the outbox (for imported rows NULL means "not recorded")
SURVEY_SENDER = "cxpulse-surveys"
CUSTOMER_REF = Column("customer_id", "string", "The customer (customers.customer_id).")

LANGUAGES = ("en", "fr")
"""The languages cxpulse speaks: surveys, the dashboard, text analytics, users (one place)."""

SENTIMENT_LABELS = ("negative", "neutral", "positive")
"""The labels of text_annotations.label (text analytics writes them, the metrics filter on them)."""
CHANNELS = ("email", "web", "in_app", "sms", "chat", "phone", "social", "other")

CUSTOMERS = Table(
    name="customers",
    key="customer_id",
    time_column="created_at",
    doc="One row per customer (a person or, in B2B, a contact of an account).",
    columns=(
        _key("customer_id", "customer"),
        Column("account_id", "string", "B2B account the customer belongs to, if any."),
        Column("name", "string", "Display name.", personal=True),
        Column("email", "string", "Email address for surveys and follow-ups.", personal=True),
        Column("created_at", "timestamp", "Signup time (UTC).", required=True),
        Column("country", "string", "ISO 3166 country code, e.g. FR."),
        Column("language", "string", "Preferred language (ISO 639-1), e.g. en, fr."),
        Column("segment", "string", "Business segment, e.g. smb, mid_market, consumer."),
        Column("plan", "string", "Current plan name."),
        Column("email_consent", "bool", "May we email this customer surveys?"),
        SOURCE,
    ),
)

SUBSCRIPTIONS = Table(
    name="subscriptions",
    key="subscription_id",
    time_column="started_at",
    doc="Recurring contracts. MRR = price / months in the billing period.",
    columns=(
        _key("subscription_id", "subscription"),
        replace(CUSTOMER_REF, required=True),
        Column("plan", "string", "Plan name."),
        Column("price", "float", "Price per billing period, before tax.", True, min=0),
        Column("currency", "string", "ISO 4217 currency code."),
        Column(
            "billing_period",
            "string",
            "How often the price is charged.",
            True,
            choices=("month", "quarter", "year"),
        ),
        Column("started_at", "timestamp", "Start of the first paid term (UTC).", True),
        Column(
            "cancelled_at",
            "timestamp",
            "When the customer asked to cancel (UTC); churn is booked at ended_at.",
        ),
        Column("ended_at", "timestamp", "End of the last paid term (UTC); empty while active."),
        SOURCE,
    ),
    rules=(
        RowRule("ends_after_start", "ended_at", "ended_at must not be before started_at"),
        RowRule("cancel_after_start", "cancelled_at", "cancelled_at must not be before started_at"),
        RowRule(
            "cancel_before_end",
            "cancelled_at",
            "cancelled_at must not be after ended_at (the cancel request comes first)",
        ),
    ),
)

ORDERS = Table(
    name="orders",
    key="order_id",
    time_column="ordered_at",
    doc="One-off purchases.",
    columns=(
        _key("order_id", "order"),
        CUSTOMER_REF,
        Column("ordered_at", "timestamp", "When the order was placed (UTC).", True),
        Column("amount", "float", "Order value before tax.", True, min=0),
        Column("margin", "float", "Gross margin of the order, if known."),
        Column("currency", "string", "ISO 4217 currency code."),
        Column("channel", "string", "Sales channel, e.g. web, store, app."),
        Column("status", "string", "placed, delivered, returned or cancelled."),
        Column("delivered_at", "timestamp", "When the order was delivered (UTC)."),
        SOURCE,
    ),
    rules=(RowRule("margin_within_amount", "margin", "margin must not exceed the order amount"),),
)

SURVEY_INVITATIONS = Table(
    name="survey_invitations",
    key="invitation_id",
    time_column="sent_at",
    doc="Each time a customer was asked for feedback; the denominator of response_rate.",
    columns=(
        _key("invitation_id", "invitation"),
        CUSTOMER_REF,
        Column("survey_id", "string", "The survey asked."),
        Column("channel", "string", "Channel of the invitation.", choices=CHANNELS),
        Column("touchpoint", "string", "Journey step, e.g. onboarding, support, purchase."),
        Column("sent_at", "timestamp", "When it was sent (UTC).", True),
        Column("delivered", "bool", "False when the message bounced or failed."),
        SOURCE,
    ),
)

QUESTION_TYPES = ("nps", "csat", "ces", "rating", "choice", "text")
POLARITIES = ("high_is_good", "high_is_easy", "high_is_hard")

SURVEY_RESPONSES = Table(
    name="survey_responses",
    key="response_id",
    time_column="responded_at",
    doc=(
        "One answer to one scored question (partial responses kept: the score counts even "
        "if the comment is never written)."
    ),
    columns=(
        _key("response_id", "response"),
        CUSTOMER_REF,
        Column("survey_id", "string", "Survey the answer belongs to."),
        Column("invitation_id", "string", "Invitation answered, if any."),
        Column("question_type", "string", "Kind of question.", True, choices=QUESTION_TYPES),
        Column("score", "int", "The score given; empty for unanswered questions."),
        Column("scale_min", "int", "Lowest possible score (0 for NPS, 1 otherwise)."),
        Column("scale_max", "int", "Highest possible score (10 for NPS; 3, 5, 7 or 10)."),
        Column(
            "polarity",
            "string",
            "What a high score means: high_is_good (NPS, CSAT), high_is_easy or "
            "high_is_hard (CES).",
            choices=POLARITIES,
        ),
        Column("comment", "string", "Open answer, if any.", personal=True),
        Column("language", "string", "Language of the answer (ISO 639-1)."),
        Column("channel", "string", "Channel it was answered in.", choices=CHANNELS),
        Column("touchpoint", "string", "Journey step, e.g. onboarding, support, delivery."),
        Column("responded_at", "timestamp", "When it was answered (UTC).", True),
        Column("ticket_id", "string", "Support ticket the survey was about, if any."),
        Column("agent_id", "string", "Agent the survey was about, if any."),
        SOURCE,
        # Last, after source: migration 3 appends it to older workspaces, so both orders match.
        Column(
            "question_id",
            "string",
            "Which question of the survey was answered, e.g. recommend, effort, empathy, "
            "understanding (the CX index reads empathy and understanding from here).",
        ),
    ),
    rules=(
        RowRule("score_in_scale", "score", "score must lie within scale_min..scale_max"),
        RowRule("nps_scale", "scale_max", "an NPS question is scored 0 to 10"),
        RowRule("csat_scale", "scale_max", "a CSAT scale has 3, 5, 7 or 10 points"),
        RowRule("ces_scale", "scale_max", "a CES scale has 5 or 7 points (1-5 or 1-7)"),
        RowRule(
            "ces_polarity", "polarity", "a CES answer needs polarity high_is_easy or high_is_hard"
        ),
    ),
)

TICKETS = Table(
    name="tickets",
    key="ticket_id",
    time_column="created_at",
    doc="Support conversations (email, chat, phone, social).",
    columns=(
        _key("ticket_id", "ticket"),
        CUSTOMER_REF,
        Column("created_at", "timestamp", "When the customer reached out (UTC).", True),
        Column("first_reply_at", "timestamp", "First public reply by a human agent (UTC)."),
        Column("first_solved_at", "timestamp", "First time the ticket was solved (UTC)."),
        Column("solved_at", "timestamp", "Last time the ticket was solved (UTC)."),
        Column("reopens", "int", "How many times it was reopened.", min=0),
        Column("agent_replies", "int", "Public replies by agents.", min=0),
        Column("channel", "string", "Contact channel.", choices=CHANNELS),
        Column("team", "string", "Team that handled it."),
        Column("agent_id", "string", "Agent that handled it."),
        Column("category", "string", "Issue category, e.g. delivery, billing, bug."),
        Column("priority", "string", "low, normal, high, urgent."),
        Column("talk_seconds", "float", "Voice: talk time.", min=0),
        Column("hold_seconds", "float", "Voice: hold time.", min=0),
        Column("wrap_seconds", "float", "Voice: after-call work.", min=0),
        Column("work_seconds", "float", "Written channels: recorded working time.", min=0),
        Column("escalated", "bool", "Escalated to a second line or a manager."),
        Column("sentiment", "float", "Sentiment of the conversation, -1 to 1.", min=-1, max=1),
        Column("subject", "string", "Subject line.", personal=True),
        SOURCE,
    ),
    rules=(
        RowRule("reply_after_create", "first_reply_at", "first_reply_at is before created_at"),
        RowRule("solve_after_create", "first_solved_at", "first_solved_at is before created_at"),
    ),
)

WEB_EVENTS = Table(
    name="web_events",
    key="event_id",
    time_column="occurred_at",
    doc="Website hits: page views and engagement hits (scroll, key events); sessions derived.",
    columns=(
        _key("event_id", "hit"),
        Column("visitor_id", "string", "Anonymous browser id (cookie).", True),
        CUSTOMER_REF,
        Column("occurred_at", "timestamp", "When the hit happened (UTC).", True),
        Column(
            "event_type",
            "string",
            "page_view, engagement (time or scroll ping) or key_event (a conversion).",
            True,
            choices=("page_view", "engagement", "key_event"),
        ),
        Column("page", "string", "Page path, e.g. /pricing.", True),
        Column("referrer", "string", "Referrer of a page view."),
        Column("engagement_ms", "int", "Engaged time reported by the hit.", min=0),
        Column("scroll_percent", "float", "Deepest scroll reached on the page.", min=0, max=100),
        SOURCE,
    ),
)

MENTIONS = Table(
    name="mentions",
    key="mention_id",
    time_column="posted_at",
    doc="Social posts and public reviews that mention the business.",
    columns=(
        _key("mention_id", "post or review"),
        Column(
            "platform",
            "string",
            "google, x, instagram, facebook, tiktok, trustpilot, g2, trustradius, capterra, "
            "forum, other.",
            True,
        ),
        CUSTOMER_REF,
        Column("author", "string", "Public handle or name.", personal=True),
        Column("posted_at", "timestamp", "When it was posted (UTC).", True),
        Column("rating", "float", "Stars given by a review (1-5).", min=1, max=5),
        Column("text", "string", "What was said.", personal=True),
        Column("language", "string", "Language of the text (ISO 639-1)."),
        Column("sentiment", "float", "Sentiment, -1 to 1.", min=-1, max=1),
        Column("url", "string", "Link to the post."),
        Column("responded_at", "timestamp", "When the business answered publicly (UTC)."),
        SOURCE,
    ),
)

LOYALTY_LEDGER = Table(
    name="loyalty_ledger",
    key="entry_id",
    time_column="occurred_at",
    doc="Loyalty points earned, redeemed, expired or adjusted.",
    columns=(
        _key("entry_id", "ledger entry"),
        replace(CUSTOMER_REF, required=True),
        Column("occurred_at", "timestamp", "When the points moved (UTC).", True),
        Column(
            "kind",
            "string",
            "earn, redeem, expire or adjust.",
            True,
            choices=("earn", "redeem", "expire", "adjust"),
        ),
        Column("points", "int", "Points moved (positive; kind says the direction).", True, min=0),
        Column("reward_type", "string", "What was redeemed (voucher, product, shipping...)."),
        Column("order_id", "string", "Order that earned or used the points."),
        SOURCE,
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CUSTOMERS,
        SUBSCRIPTIONS,
        ORDERS,
        SURVEY_INVITATIONS,
        SURVEY_RESPONSES,
        TICKETS,
        WEB_EVENTS,
        MENTIONS,
        LOYALTY_LEDGER,
    )
}


def table(name: str) -> Table:
    """The canonical table called ``name``, or a KeyError listing the ones that exist."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise UnknownTableError(f"no canonical table {name!r}; the tables are: {known}") from None
