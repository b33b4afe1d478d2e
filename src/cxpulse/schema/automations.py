"""The tables of automation rules: the rules, their firings, the cases they open, notes on
cases, customer tags, and the outbox every message (webhooks, rule and survey emails) waits in."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

AUTOMATION_RULES_TABLE = "automation_rules"
AUTOMATION_RUNS_TABLE = "automation_runs"
CASES_TABLE = "cases"
CASE_NOTES_TABLE = "case_notes"
CUSTOMER_TAGS_TABLE = "customer_tags"
AUTOMATION_OUTBOX_TABLE = "automation_outbox"

AUTOMATION_RULES = OperationalTable(
    name=AUTOMATION_RULES_TABLE,
    key="name",
    doc="One row per rule: the checked YAML as JSON, replaced by `cxpulse rules add`.",
    columns=(
        op("name", "string", "The rule's name."),
        op("definition", "string", "The checked definition, as JSON."),
        op("active", "bool", "Whether the rule runs (paused rules are kept)."),
        op("added_at", "timestamp", "When this version was added (UTC)."),
    ),
)

AUTOMATION_RUNS = OperationalTable(
    name=AUTOMATION_RUNS_TABLE,
    key="run_id",
    doc="One row per rule firing; run_id = rule:cause is the key that stops a second firing.",
    columns=(
        op("run_id", "string", "rule:cause, unique."),
        op("rule", "string", "The rule that fired."),
        op("cause", "string", "What it fired on, e.g. a response id."),
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("cause_at", "timestamp", "When the cause happened (UTC)."),
        op("fired_at", "timestamp", "When the rule fired (UTC)."),
        op("detail", "string", "What matched, as JSON."),
        op("actions", "string", "What was done, as JSON."),
    ),
)

CASES = OperationalTable(
    name=CASES_TABLE,
    key="case_id",
    doc="Follow-up cases (close the loop) opened by rules, with their state and SLA.",
    columns=(
        op("case_id", "string", "Id of the case."),
        op("run_id", "string", "The firing that opened it (automation_runs.run_id)."),
        op("rule", "string", "The rule that opened it."),
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("state", "string", "open, acknowledged, contacted or resolved."),
        op("owner", "string", "User the case is assigned to."),
        op("team", "string", "Team the case is assigned to."),
        op("summary", "string", "One line saying what happened."),
        op("cause_type", "string", "detractor, promoter, csat_unsatisfied, ces_hard, ..."),
        op("cause_response_id", "string", "The answer that opened it, if any."),
        op("cause_score", "int", "That answer's score."),
        op("cause_question_type", "string", "That answer's question type."),
        op("opened_at", "timestamp", "When the case was opened (UTC)."),
        op("sla_due_at", "timestamp", "When it should be resolved by (UTC)."),
        op("acknowledged_at", "timestamp", "When someone took it (UTC)."),
        op("contacted_at", "timestamp", "When the customer was contacted (UTC)."),
        op("resolved_at", "timestamp", "When it was resolved (UTC)."),
        op("root_cause", "string", "The root cause recorded on resolving."),
    ),
)

CASE_NOTES = OperationalTable(
    name=CASE_NOTES_TABLE,
    key="note_id",
    doc="Notes written on cases.",
    columns=(
        op("note_id", "string", "Id of the note."),
        op("case_id", "string", "The case (cases.case_id)."),
        op("written_at", "timestamp", "When it was written (UTC)."),
        op("text", "string", "The note.", personal=True),
    ),
)

CUSTOMER_TAGS = OperationalTable(
    name=CUSTOMER_TAGS_TABLE,
    key="tag_id",
    doc="Tags put on customers by rules; tag_id = customer:tag, so tagging twice keeps one row.",
    columns=(
        op("tag_id", "string", "customer:tag, unique."),
        op("customer_id", "string", "The customer (customers.customer_id)."),
        op("tag", "string", "The tag."),
        op("added_at", "timestamp", "When it was added (UTC)."),
        op("rule", "string", "The rule that added it."),
    ),
)

AUTOMATION_OUTBOX = OperationalTable(
    name=AUTOMATION_OUTBOX_TABLE,
    key="outbox_key",
    doc=(
        "Every message waiting to go or gone (webhooks, rule emails, survey emails); "
        "outbox_key (run_id:action index) is unique by upsert."
    ),
    columns=(
        op("outbox_key", "string", "run_id:action index, unique."),
        op("run_id", "string", "The firing (or survey:invitation) that made the message."),
        op("kind", "string", "webhook, email (a rule's) or survey_email."),
        op("target", "string", "URL or address."),
        op("payload", "string", "The message, as JSON."),
        op("created_at", "timestamp", "When it was queued (UTC)."),
        op("status", "string", "pending, sending, sent or dead."),
        op("attempts", "int", "Sending attempts so far."),
        op("next_attempt_at", "timestamp", "When the next attempt may run (UTC)."),
        op("claimed_at", "timestamp", "When a sender claimed it (UTC)."),
        op("sent_at", "timestamp", "When it was sent (UTC)."),
        op("last_error", "string", "The last sending error, if any."),
    ),
)

AUTOMATION_TABLES = (
    AUTOMATION_RULES,
    AUTOMATION_RUNS,
    CASES,
    CASE_NOTES,
    CUSTOMER_TAGS,
    AUTOMATION_OUTBOX,
)
AUTOMATION_SCHEMAS: dict[str, dict[str, str]] = {t.name: t.types() for t in AUTOMATION_TABLES}
