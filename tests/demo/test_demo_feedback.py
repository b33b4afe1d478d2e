"""Survey invitations and responses: programmes, links, scales and response rates."""

from __future__ import annotations

from .conftest import Query


def test_response_rate_is_about_40_percent(sql: Query) -> None:
    rate = sql(
        """select (select count(*) from survey_responses)
                / (select count(*) from survey_invitations where delivered) r"""
    ).r[0]
    assert 0.37 < rate < 0.45
    bounced = sql("select avg((not delivered)::int) b from survey_invitations").b[0]
    assert 0.01 < bounced < 0.05


def test_every_response_answers_a_delivered_invitation_of_its_customer(sql: Query) -> None:
    bad = sql(
        """select count(*) n from survey_responses r left join survey_invitations i
           using (invitation_id)
           where i.invitation_id is null or not i.delivered or i.customer_id != r.customer_id
              or i.survey_id != r.survey_id or i.channel != r.channel
              or i.touchpoint is distinct from r.touchpoint or r.responded_at < i.sent_at"""
    ).n[0]
    assert bad == 0
    twice = sql(
        "select count(*) n from (select invitation_id from survey_responses group by 1 "
        "having count(*) > 1)"
    ).n[0]
    assert twice == 0


def test_scales_and_polarity(sql: Query) -> None:
    kinds = sql(
        """select question_type, scale_min, scale_max, polarity, count(*) n,
             min(score) lo, max(score) hi from survey_responses group by 1, 2, 3, 4"""
    )
    rows = {(r.question_type, r.scale_min, r.scale_max, r.polarity): r for r in kinds.itertuples()}
    assert set(rows) == {
        ("nps", 0, 10, "high_is_good"),
        ("csat", 1, 5, "high_is_good"),
        ("ces", 1, 7, "high_is_easy"),
        ("ces", 1, 5, "high_is_easy"),
    }
    for (_, lo, hi, _), r in rows.items():
        assert r.lo == lo and r.hi == hi
    ces5, ces7 = rows["ces", 1, 5, "high_is_easy"].n, rows["ces", 1, 7, "high_is_easy"].n
    assert 0.05 < ces5 / (ces5 + ces7) < 0.35  # a small share of CES is on 5 points


def test_touchpoints_and_channels(sql: Query) -> None:
    tp = set(sql("select distinct touchpoint from survey_responses").touchpoint.dropna())
    assert tp == {"onboarding", "support", "delivery", "purchase", "knowledge_base", "pricing_page"}
    ch = set(sql("select distinct channel from survey_invitations").channel)
    assert {"email", "web", "in_app"} <= ch
    no_consent = sql(
        """select count(*) n from survey_invitations i join customers c using (customer_id)
           where i.channel = 'email' and not c.email_consent"""
    ).n[0]
    assert no_consent == 0


def test_support_surveys_link_the_ticket_and_its_agent(sql: Query) -> None:
    links = sql(
        """select count(*) n, count(r.ticket_id) with_ticket,
             count(*) filter (where t.agent_id = r.agent_id and t.customer_id = r.customer_id
                              and r.responded_at > t.first_solved_at) consistent
           from survey_responses r left join tickets t using (ticket_id)
           where r.touchpoint = 'support'"""
    ).iloc[0]
    assert links.n > 500 and links.with_ticket == links.n == links.consistent
    others = sql(
        "select count(*) n from survey_responses where touchpoint != 'support' "
        "and (ticket_id is not null or agent_id is not null)"
    ).n[0]
    assert others == 0


def test_scores_are_realistic(sql: Query) -> None:
    row = sql(
        """select
             100 * (avg((score >= 9)::int) filter (where question_type = 'nps')
                  - avg((score <= 6)::int) filter (where question_type = 'nps')) nps,
             100 * avg((score >= 4)::int) filter (where question_type = 'csat') csat,
             100 * avg((score >= 5)::int) filter (where question_type = 'ces' and scale_max = 7) ces
           from survey_responses where month(responded_at) != 11"""
    ).iloc[0]
    assert 20 < row.nps < 50 and 70 < row.csat < 90 and 60 < row.ces < 85


def test_bad_tickets_get_worse_support_scores(sql: Query) -> None:
    by = (
        sql(
            """select t.escalated or t.sentiment < -0.3 bad, avg((r.score >= 4)::int) happy
           from survey_responses r join tickets t using (ticket_id)
           where r.question_type = 'csat' group by 1"""
        )
        .set_index("bad")
        .happy
    )
    assert by[False] - by[True] > 0.2


def test_offices_share_accounts_for_account_nps(sql: Query) -> None:
    accounts = sql(
        """select count(distinct c.account_id) n from survey_responses r
           join customers c using (customer_id)
           where r.question_type = 'nps' and c.account_id is not null"""
    ).n[0]
    assert accounts >= 30
