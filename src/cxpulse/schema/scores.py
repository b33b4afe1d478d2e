"""The tables of what cxpulse computes and keeps: CLV and churn scores, the versions of the
CX index weights, and the sentiment and themes of texts."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

CLV_SCORES_TABLE = "clv_scores"
CHURN_SCORES_TABLE = "churn_scores"
CX_WEIGHTS_TABLE = "cxpulse_cx_index_weights"
TEXT_ANNOTATIONS_TABLE = "text_annotations"

CLV_SCORES = OperationalTable(
    name=CLV_SCORES_TABLE,
    key="customer_id",
    doc=(
        "Per-customer predictions written by `cxpulse clv score` (one row per customer; the "
        "last run replaces the previous one). Time columns are in weeks, as rfm_summary "
        "gives them."
    ),
    columns=(
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("scored_at", "timestamp", "When the run scored (UTC)."),
        op("model", "string", "The model that scored, e.g. BG/NBD + Gamma-Gamma."),
        op("horizon_months", "int", "Months ahead the CLV covers."),
        op("frequency", "float", "Repeat purchases in the training window."),
        op("recency", "float", "Weeks from first to last purchase."),
        op("T", "float", "Weeks from first purchase to the end of the window."),
        op("monetary_value", "float", "Mean value of the repeat purchases."),
        op("probability_alive", "float", "Probability the customer is still active, 0-1."),
        op("expected_purchases", "float", "Purchases expected within the horizon."),
        op("expected_order_value", "float", "Expected value of a purchase."),
        op("predicted_clv", "float", "Predicted value within the horizon."),
    ),
)

CHURN_SCORES = OperationalTable(
    name=CHURN_SCORES_TABLE,
    key="customer_id",
    doc=(
        "Churn risk per customer written by `cxpulse churn score` (the last run replaces the "
        "previous one), for automation rules to act on."
    ),
    columns=(
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("as_of", "timestamp", "The date the features were read at (UTC)."),
        op("risk", "float", "Probability of churn within the horizon, 0-1."),
        op("model", "string", "The model that scored (logistic or gbm)."),
        op("top_reasons", "string", "'feature=value (+risk); ...' as ChurnModel.reasons gives."),
        op("scored_at", "timestamp", "When the run scored (UTC)."),
    ),
)

CX_WEIGHTS = OperationalTable(
    name=CX_WEIGHTS_TABLE,
    key="version",
    doc="Versions of the CX index weights (one row per version; the highest is current).",
    columns=(
        op("version", "int", "Version number."),
        op("effective_from", "date", "First day the weights apply to."),
        op("preset", "string", "The preset the weights came from, if any."),
        op("weights", "string", "Component -> weight, as JSON."),
        op("note", "string", "Why the weights changed."),
        op("created_at", "timestamp", "When the version was made (UTC)."),
    ),
)

TEXT_ANNOTATIONS = OperationalTable(
    name=TEXT_ANNOTATIONS_TABLE,
    key="annotation_id",
    doc=(
        "Sentiment and themes of comments, ticket subjects and mentions (the worker's text "
        "phase, `cxpulse text score`)."
    ),
    columns=(
        op("annotation_id", "string", "table_name:row_key, the key re-runs replace."),
        op("table_name", "string", "The canonical table of the text."),
        op("row_key", "string", "The row's natural key."),
        op("language", "string", "Language detected or given (ISO 639-1)."),
        op("sentiment", "float", "Sentiment, -1 to 1."),
        op("label", "string", "Sentiment label, e.g. negative, neutral, positive."),
        op("themes", "string", "Comma-joined theme names."),
        op("analyzer", "string", "The analyzer that scored."),
        op("analyzer_version", "string", "Its version (a new one re-scores)."),
        op("annotated_at", "timestamp", "When it was scored (UTC)."),
        op("text_hash", "string", "MD5 of the text scored: a changed text is scored again."),
    ),
)

SCORE_TABLES = (CLV_SCORES, CHURN_SCORES, CX_WEIGHTS, TEXT_ANNOTATIONS)
CLV_SCORES_SCHEMA: dict[str, str] = CLV_SCORES.types()
CHURN_SCORES_SCHEMA: dict[str, str] = CHURN_SCORES.types()
TEXT_ANNOTATIONS_SCHEMA: dict[str, str] = TEXT_ANNOTATIONS.types()
