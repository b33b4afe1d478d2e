"""Survey metrics: NPS, CSAT, CES and response rate (docs/metrics/feedback.md).

Each variant is an Ibis aggregation to sufficient statistics; values and intervals come from
:mod:`cxpulse.metrics.stats`. Unanswered questions (score NULL) never count; a partial response
with a score does.
"""

from __future__ import annotations

import ibis

from cxpulse.metrics import scales
from cxpulse.metrics.spec import REGISTRY, Benchmark, MetricSpec, Table, Tables, Variant
from cxpulse.schema import SURVEY_SENDER


def _answered(question_type: str):  # type: ignore[no-untyped-def]
    def prepare(t: Table, _: Tables) -> Table:
        return t.filter((t.question_type == question_type) & t.score.notnull())

    return prepare


def _count_if(cond: Table) -> Table:
    # ifelse + sum casts portably (Spark would otherwise sum booleans as decimals)
    return cond.ifelse(1, 0).sum().cast("int64")


# -- NPS ----------------------------------------------------------------------------------
def _nps_aggregate(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"),
        p=_count_if(t.score >= scales.NPS_PROMOTER_MIN),
        d=_count_if(t.score <= scales.NPS_DETRACTOR_MAX),
    )


def _nps_account_aggregate(t: Table, keys: list[str]) -> Table:
    account = ibis.coalesce(t.account_id, t.customer_id)
    per_account = (
        t.mutate(_account=account).group_by([*keys, "_account"]).aggregate(_mean=t.score.mean())
    )
    return per_account.group_by(keys).aggregate(
        n=per_account.count().cast("int64"),
        p=_count_if(per_account._mean >= scales.NPS_PROMOTER_MIN),
        d=_count_if(per_account._mean < scales.NPS_DETRACTOR_MAX + 1),
    )


NPS_TEXT = (
    "NPS = 100 x (promoters - detractors) / answers on the 0-10 question; promoters score 9-10, "
    "detractors 0-6 (6 is a detractor)"
)

REGISTRY.add(
    MetricSpec(
        name="nps",
        label="Net Promoter Score",
        table="survey_responses",
        time_column="responded_at",
        unit="points",
        segments=("touchpoint", "channel", "language", "survey_id"),
        main_segment="touchpoint",
        benchmark=Benchmark(
            text="above 0 is positive, above 50 good, about 70 best in class",
            source="Bain & Company, creators of NPS (Reichheld 2003)",
            good=50.0,
        ),
        variants={
            "default": Variant(
                "default",
                NPS_TEXT + "; interval: adjusted Wald (3/4 added to promoters and "
                "detractors, 3 to n)",
                "nps",
                _nps_aggregate,
                _answered("nps"),
            ),
            "wald": Variant(
                "wald",
                NPS_TEXT + "; interval: plain Wald, SE = sqrt((p + d - (p - d)^2) / n)",
                "nps",
                _nps_aggregate,
                _answered("nps"),
                interval="wald",
            ),
            "account": Variant(
                "account",
                "B2B account NPS: each account's answers are averaged first (a customer without "
                "account is its own account); an account averaging 9 or more is a promoter, "
                "below 7 a detractor; NPS over accounts, n = accounts",
                "nps",
                _nps_account_aggregate,
                _answered("nps"),
                customer_columns=("account_id",),
            ),
        },
    )
)


# -- CSAT ---------------------------------------------------------------------------------
def _share_aggregate(flag: str):  # type: ignore[no-untyped-def]
    def aggregate(t: Table, keys: list[str]) -> Table:
        return t.group_by(keys).aggregate(n=t.count().cast("int64"), k=_count_if(t[flag]))

    return aggregate


def _mean_aggregate(column: str):  # type: ignore[no-untyped-def]
    def aggregate(t: Table, keys: list[str]) -> Table:
        x = t[column].cast("float64")
        return t.group_by(keys).aggregate(
            n=t.count().cast("int64"),
            s=x.sum(),
            ss=(x * x).sum(),
            scale_lo=t.scale_max.min(),
            scale_hi=t.scale_max.max(),
            # the bottom of the scale (1 unless the answers say otherwise) bounds the interval
            scale_floor=ibis.coalesce(t.scale_min, 1).cast("float64").max(),
        )

    return aggregate


def _csat_rows(threshold: dict[int, int] | None):  # type: ignore[no-untyped-def]
    def prepare(t: Table, tables: Tables) -> Table:
        t = _answered("csat")(t, tables)
        scale_max = ibis.coalesce(t.scale_max, 5)
        good_min = scale_max if threshold is None else scales.lookup_expr(threshold, scale_max)
        return t.mutate(_good=t.score >= good_min, scale_max=scale_max)

    return prepare


REGISTRY.add(
    MetricSpec(
        name="csat",
        label="Customer satisfaction (CSAT)",
        table="survey_responses",
        time_column="responded_at",
        unit="%",
        segments=("touchpoint", "channel", "language", "agent_id", "survey_id"),
        main_segment="touchpoint",
        benchmark=Benchmark(
            text="about 80 % satisfied is the usual target",
            source="a common industry rule of thumb, not a published cross-industry study",
            good=80.0,
        ),
        variants={
            "default": Variant(
                "default",
                "CSAT = 100 x answers in the top two boxes / answers (4-5 on 1-5, 6-7 on 1-7, "
                "9-10 on 1-10; 3 on 1-3); interval: Wilson",
                "share",
                _share_aggregate("_good"),
                _csat_rows(scales.CSAT_TOP2_MIN),
            ),
            "top1": Variant(
                "top1",
                "share of answers in the top box only (5 on 1-5); Wilson interval",
                "share",
                _share_aggregate("_good"),
                _csat_rows(None),
            ),
            "zendesk": Variant(
                "zendesk",
                "Zendesk: good / (good + bad), the neutral answer counts as bad (3 on 1-5), "
                "unrated excluded; equals the default on 1-5 and 1-3 scales, differs on 7 and "
                "10 points (5-7 and 6-10 are good); Wilson interval",
                "share",
                _share_aggregate("_good"),
                _csat_rows(scales.CSAT_ABOVE_NEUTRAL_MIN),
            ),
            "mean": Variant(
                "mean",
                "average CSAT score on its own scale (answers on different scales are not "
                "mixed); t interval",
                "mean",
                _mean_aggregate("score"),
                _csat_rows(scales.CSAT_TOP2_MIN),
                multiplier=1.0,
                single_scale=True,
            ),
        },
    )
)


# -- CES ----------------------------------------------------------------------------------
def _ces_rows(t: Table, tables: Tables) -> Table:
    t = _answered("ces")(t, tables)
    ease = scales.ease_score(t.score, ibis.coalesce(t.scale_min, 1), t.scale_max, t.polarity)
    return t.mutate(
        _ease=ease,
        _easy=ease >= scales.lookup_expr(scales.CES_EASY_MIN, t.scale_max),
        _hard=ease <= scales.lookup_expr(scales.CES_HARD_MAX, t.scale_max),
    )


def _nes_aggregate(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"), p=_count_if(t._easy), d=_count_if(t._hard)
    )


REGISTRY.add(
    MetricSpec(
        name="ces",
        label="Customer effort (CES)",
        table="survey_responses",
        time_column="responded_at",
        unit="%",
        segments=("touchpoint", "channel", "language", "survey_id"),
        main_segment="touchpoint",
        variants={
            "default": Variant(
                "default",
                "CES = 100 x easy answers / answers, after turning every answer into 'high = "
                "easy' (polarity); easy = 4-5 on 5 points, 5-7 on 7 points; Wilson interval",
                "share",
                _share_aggregate("_easy"),
                _ces_rows,
            ),
            "mean": Variant(
                "mean",
                "average effort score normalised to 'high = easy' (answers on 5 and 7 points "
                "are not mixed); t interval",
                "mean",
                _mean_aggregate("_ease"),
                _ces_rows,
                multiplier=1.0,
                single_scale=True,
            ),
            "nes": Variant(
                "nes",
                "net easy score = % easy - % hard (hard = 1-2 on 5 points, 1-3 on 7 points, "
                "high = easy); adjusted-Wald interval",
                "nps",
                _nes_aggregate,
                _ces_rows,
            ),
        },
    )
)


# -- response rate ------------------------------------------------------------------------
def _delivered_invitations(t: Table, tables: Tables) -> Table:
    responses = tables.table("survey_responses")
    answered_ids = responses.filter(responses.invitation_id.notnull()).invitation_id
    t = t.mutate(_answered=t.invitation_id.isin(answered_ids))
    # delivered unknown counts as delivered (most exports do not record it), except cxpulse's
    # own invitations still waiting in the outbox: not sent yet, unless already answered
    waiting = (ibis.coalesce(t.source, "") == SURVEY_SENDER) & ~t["_answered"]
    return t.filter(ibis.coalesce(t.delivered, ~waiting))


REGISTRY.add(
    MetricSpec(
        name="response_rate",
        label="Survey response rate",
        table="survey_invitations",
        time_column="sent_at",
        unit="%",
        segments=("channel", "touchpoint", "survey_id"),
        variants={
            "default": Variant(
                "default",
                "answered invitations / delivered invitations (bounced or failed sends "
                "excluded, and cxpulse's own still waiting in the outbox), by the period the "
                "invitation was sent; Wilson interval",
                "share",
                _share_aggregate("_answered"),
                _delivered_invitations,
            ),
        },
    )
)
