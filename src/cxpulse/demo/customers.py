"""Maison Caféine's customers: who they are, when they signed up, and the hidden traits that
drive everything else they do (satisfaction, how often they order or need help).

Customer ids are numbered in signup order (C000001 is the oldest customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxpulse.demo import names
from cxpulse.demo.arrow import build, labels, numbered, take, timestamps, width_for
from cxpulse.demo.calendar import (
    F64,
    FLAT_WEEKDAYS,
    I64,
    SIGNUP_MONTHS,
    WEB_HOURS,
    B,
    Window,
    date_us,
    day_weights,
    sample_times,
    shift_months,
)
from cxpulse.demo.spec import DemoSpec
from cxpulse.schema import LANGUAGES

EN, FR = 0, 1
COUNTRIES = ("FR", "BE", "CH", "LU", "CA", "GB", "US", "IE")
_COUNTRY_SHARE = (0.33, 0.07, 0.04, 0.01, 0.10, 0.19, 0.23, 0.03)
_FRENCH_SHARE = (0.97, 0.85, 0.70, 0.80, 0.35, 0.01, 0.02, 0.0)
SEGMENTS = ("consumer", "office", "reseller")
CONSUMER, OFFICE, RESELLER = 0, 1, 2
_SEGMENT_SHARE = (0.86, 0.11, 0.03)
_SUBSCRIBER_SHARE = (0.78, 0.92, 0.60)
# Share of the customers who signed up in the year before the window (the existing base, so
# MRR does not start at zero on the first day of the data).
_LEGACY_SHARE = 0.25


@dataclass
class Customers:
    created: I64
    language: I64  # index into LANGUAGES
    country: I64  # index into COUNTRIES
    segment: I64  # index into SEGMENTS
    account: I64  # B2B account number, -1 for consumers
    email_consent: B
    subscriber: B  # takes a subscription (the others only buy in the shop)
    loyalty_member: B
    mood: F64  # latent satisfaction, N(0, 1): drives scores, churn and complaints
    responsiveness: F64  # mean 1: how readily the customer answers surveys
    proneness: F64  # mean 1: how often the customer needs support
    appetite: F64  # mean 1: how often the customer orders from the shop

    @property
    def n(self) -> int:
        return len(self.created)


def make_customers(rng: np.random.Generator, spec: DemoSpec, window: Window) -> Customers:
    n = spec.customers
    n_legacy = round(n * _LEGACY_SHARE)
    # The base grows: signups per day double over the window, with a gift peak in December.
    days = day_weights(window, growth=1.0, months=SIGNUP_MONTHS, weekdays=FLAT_WEEKDAYS)
    recent = sample_times(rng, n - n_legacy, window, days, WEB_HOURS)
    legacy_start = date_us(shift_months(window.start, -12))
    legacy = legacy_start + (rng.random(n_legacy) ** 0.7 * (window.start_us - legacy_start))
    created = np.sort(np.concatenate([legacy.astype(np.int64), recent]))

    segment = rng.choice(3, size=n, p=_SEGMENT_SHARE)
    country = rng.choice(len(COUNTRIES), size=n, p=_COUNTRY_SHARE)
    language = (rng.random(n) < np.asarray(_FRENCH_SHARE)[country]).astype(np.int64)

    # Offices: several contacts share one account (sizes 1, 2, 3... geometric). Colleagues of
    # one account share its country and language.
    account = np.full(n, -1, dtype=np.int64)
    office = np.flatnonzero(segment == OFFICE)
    sizes = rng.geometric(0.45, size=max(len(office), 1))
    members = np.repeat(np.arange(len(sizes)), sizes)[: len(office)]
    account[office] = rng.permutation(members)
    resellers = np.flatnonzero(segment == RESELLER)
    account[resellers] = members.max(initial=-1) + 1 + np.arange(len(resellers))
    has_account = account >= 0
    _, first = np.unique(account[has_account], return_index=True)
    lead = np.flatnonzero(has_account)[first]  # first (oldest) contact of each account
    lookup = np.zeros(account.max(initial=0) + 1, dtype=np.int64)
    lookup[account[lead]] = lead
    country[has_account] = country[lookup[account[has_account]]]
    language[has_account] = language[lookup[account[has_account]]]

    mood = rng.normal(0.0, 1.0, n) + np.where(segment == OFFICE, 0.2, 0.0)
    return Customers(
        created=created,
        language=language,
        country=country.astype(np.int64),
        segment=segment.astype(np.int64),
        account=account,
        email_consent=rng.random(n) < 0.88,
        subscriber=rng.random(n) < np.asarray(_SUBSCRIBER_SHARE)[segment],
        loyalty_member=rng.random(n) < 0.6,
        mood=mood,
        responsiveness=rng.beta(2.0, 3.0, n) * 2.5,
        proneness=rng.gamma(0.8, 1 / 0.8, n),
        appetite=rng.gamma(0.9, 1 / 0.9, n),
    )


def customer_ids(n: int) -> Any:
    return numbered("C", np.arange(1, n + 1, dtype=np.int64), width_for(n, 6))


def customers_table(rng: np.random.Generator, cust: Customers, plan: Any) -> Any:
    """The customers table; ``plan`` is each customer's current plan (Arrow strings)."""
    n = cust.n
    fr = cust.language == FR
    first_pool = pa.array(names.FIRST_EN + names.FIRST_FR)
    last_pool = pa.array(names.LAST_EN + names.LAST_FR)
    first_i = rng.integers(0, len(names.FIRST_EN), n) + np.where(fr, len(names.FIRST_EN), 0)
    last_i = rng.integers(0, len(names.LAST_EN), n) + np.where(fr, len(names.LAST_EN), 0)
    first = take(first_pool, first_i)
    last = take(last_pool, last_i)
    slug_first = take(
        pa.array([names.ascii_slug(x) for x in names.FIRST_EN + names.FIRST_FR]), first_i
    )
    slug_last = take(pa.array([names.ascii_slug(x) for x in names.LAST_EN + names.LAST_FR]), last_i)

    # Personal addresses on webmail domains; office contacts on their company's domain.
    domains = names.DOMAINS_EN + names.DOMAINS_FR
    domain_i = rng.integers(0, len(names.DOMAINS_EN), n) + np.where(fr, len(names.DOMAINS_EN), 0)
    personal = take(pa.array(domains), domain_i)
    company = pc.binary_join_element_wise(
        take(pa.array(names.COMPANY_WORDS), np.maximum(cust.account, 0) % len(names.COMPANY_WORDS)),
        pc.cast(pa.array(np.maximum(cust.account, 0)), pa.string()),
        pa.array(np.where(fr, ".fr", ".com")),
        "",
    )
    domain = pc.if_else(pa.array(cust.segment == 0), personal, company)
    serial = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())  # keeps addresses unique
    local = pc.binary_join_element_wise(slug_first, slug_last, ".")
    email = pc.binary_join_element_wise(pc.binary_join_element_wise(local, serial, ""), domain, "@")

    account_ids = numbered("ACC", np.arange(cust.account.max(initial=0) + 1), 5)
    return build(
        "customers",
        {
            "customer_id": customer_ids(n),
            "account_id": take(account_ids, cust.account),
            "name": pc.binary_join_element_wise(first, last, " "),
            "email": email,
            "created_at": timestamps(cust.created),
            "country": labels(COUNTRIES, cust.country),
            "language": labels(LANGUAGES, cust.language),
            "segment": labels(SEGMENTS, cust.segment),
            "plan": plan,
            "email_consent": pa.array(cust.email_consent),
        },
    )
