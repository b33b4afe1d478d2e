"""Tickets: timing, channels, handle times, and the weekly rhythm of a support team."""

from __future__ import annotations

from .conftest import Query


def test_times_follow_each_other(sql: Query) -> None:
    bad = sql(
        """select
             count(*) filter (where first_reply_at < created_at) reply,
             count(*) filter (where first_solved_at < created_at) solve,
             count(*) filter (where solved_at < first_solved_at) resolve,
             count(*) filter (where reopens > 0 and solved_at = first_solved_at) reopened
           from tickets"""
    ).iloc[0]
    assert bad.sum() == 0
    backlog = sql("select count(*) n from tickets where solved_at is null").n[0]
    assert 0 < backlog < 0.05 * sql("select count(*) n from tickets").n[0]


def test_handle_time_columns_match_the_channel(sql: Query) -> None:
    t = sql("select * from tickets")
    phone = t[t.channel == "phone"]
    written = t[t.channel != "phone"]
    assert phone.talk_seconds.notna().all() and phone.work_seconds.isna().all()
    assert written.talk_seconds.isna().all() and written.work_seconds.notna().mean() > 0.9
    assert set(t.channel) == {"email", "chat", "phone", "social"}
    assert set(t.category) == {
        "delivery", "billing", "bug", "account", "product_question", "refund",
    }  # fmt: skip


def test_first_response_is_fast_on_live_channels(sql: Query) -> None:
    frt = (
        sql(
            "select channel, median(date_diff('second', created_at, first_reply_at)) s "
            "from tickets group by 1"
        )
        .set_index("channel")
        .s
    )
    assert frt["phone"] < 120 and frt["chat"] < 300 and frt["email"] > 3600


def test_phone_lines_are_closed_at_weekends_and_nights(sql: Query) -> None:
    phone = sql(
        "select dayofweek(created_at) d, hour(created_at) h from tickets where channel = 'phone'"
    )
    assert not phone.d.isin([0, 6]).any()  # DuckDB: Sunday = 0, Saturday = 6
    assert phone.h.between(7, 17).all()
    email_weekend = sql(
        "select avg(dayofweek(created_at) in (0, 6)::int) w from tickets where channel = 'email'"
    ).w[0]
    assert 0.15 < email_weekend < 0.35


def test_first_contact_resolution_and_reopens_are_plausible(sql: Query) -> None:
    row = sql(
        """select avg((agent_replies = 1 and reopens = 0)::int) fcr, avg((reopens > 0)::int) reopen,
             avg(escalated::int) esc, avg(sentiment) s from tickets"""
    ).iloc[0]
    assert 0.3 < row.fcr < 0.7 and 0.05 < row.reopen < 0.3 and 0.02 < row.esc < 0.15
    assert -0.3 < row.s < 0.3


def test_agents_belong_to_teams_and_subjects_match_language(sql: Query) -> None:
    teams = sql(
        "select agent_id, count(distinct team) n from tickets where agent_id is not null group by 1"
    )
    assert (teams.n == 1).all() and len(teams) >= 12
    fr = sql(
        """select t.subject from tickets t join customers c using (customer_id)
           where c.language = 'fr' and t.category = 'delivery'"""
    ).subject
    assert fr.isin(
        ["Où est ma commande ?", "Colis non reçu", "Livraison en retard", "Le suivi ne bouge plus"]
    ).all()
