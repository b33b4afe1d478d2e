"""Customers: the language mix, B2B accounts, consent and a growing base."""

from __future__ import annotations

from .conftest import Query


def test_language_mix_is_about_55_en_45_fr(sql: Query) -> None:
    share = sql("select avg((language = 'fr')::int) fr from customers").fr[0]
    assert 0.40 <= share <= 0.50


def test_countries_segments_and_consent(sql: Query) -> None:
    countries = set(sql("select distinct country from customers").country)
    assert {"FR", "BE", "CA", "GB", "US", "CH"} <= countries
    seg = sql("select segment, count(*) n from customers group by 1").set_index("segment").n
    assert set(seg.index) == {"consumer", "office", "reseller"}
    assert seg["consumer"] > seg["office"] > seg["reseller"]
    consent = sql("select avg(email_consent::int) c from customers").c[0]
    assert 0.8 < consent < 0.95


def test_french_speakers_live_in_french_speaking_countries(sql: Query) -> None:
    by = sql("select country, avg((language = 'fr')::int) fr from customers group by 1")
    fr = dict(zip(by.country, by.fr, strict=True))
    assert fr["FR"] > 0.9 and fr["US"] < 0.1 and 0.15 < fr["CA"] < 0.6


def test_office_contacts_share_accounts_with_one_language(sql: Query) -> None:
    accounts = sql(
        "select account_id, count(*) n, count(distinct language) langs from customers "
        "where account_id is not null group by 1"
    )
    assert (accounts.n >= 2).sum() >= 20  # several contacts per office account
    assert (accounts.langs == 1).all()
    consumers = sql(
        "select count(*) n from customers where segment = 'consumer' and account_id is not null"
    ).n[0]
    assert consumers == 0


def test_the_base_grows(sql: Query) -> None:
    by_year = sql(
        "select year(created_at) y, count(*) n from customers where created_at >= '2024-01-01' "
        "group by 1 order by 1"
    )
    assert by_year.n.iloc[1] > 1.2 * by_year.n.iloc[0]
    legacy = sql("select count(*) n from customers where created_at < '2024-01-01'").n[0]
    assert legacy > 0  # an existing base when the data starts


def test_names_and_emails(sql: Query) -> None:
    people = sql("select name, email, language from customers")
    assert people.email.str.match(r"^[a-z\-]+\.[a-z\-]+\d+@[a-z0-9\.\-]+$").all()
    assert people.email.is_unique
    assert people[people.language == "fr"].name.str.contains("é|è|ç|ï|ë").any()


def test_plan_is_the_latest_subscription_plan(sql: Query) -> None:
    mismatch = sql(
        """select count(*) n from customers c join (
             select customer_id, arg_max(plan, started_at) latest from subscriptions group by 1
           ) s using (customer_id) where c.plan != s.latest"""
    ).n[0]
    assert mismatch == 0
    shop_only = sql(
        "select count(*) n from customers where plan is null and customer_id in "
        "(select customer_id from subscriptions)"
    ).n[0]
    assert shop_only == 0
