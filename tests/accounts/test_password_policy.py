"""New passwords: common ones (also dressed up), repeats, runs of keys and the user name are
refused with advice; long unusual ones pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.accounts.password_policy import MIN_LENGTH, common_passwords, weakness


@pytest.mark.parametrize(
    ("password", "user", "reason"),
    [
        ("short", "", "at least 10 characters"),
        ("aaaaaaaaaa", "", "repeats"),
        (" " * 10, "", "only spaces"),
        ("abcdabcdabcd", "", "repeats"),
        ("password12", "", "most common"),
        ("P@ssw0rd123!", "", "most common"),
        ("Summer2024!", "", "most common"),
        ("iloveyou12345", "", "most common"),
        ("passwordpassword", "", "most common"),
        ("qwertyuiop", "", "run of keys"),
        ("1234567890", "", "run of keys"),
        ("0987654321", "", "run of keys"),
        ("asdfghjkl;", "", "run of keys"),
        ("1q2w3e4r5t", "", "run of keys"),
        ("ana@example.com", "ana@example.com", "user name"),
        ("example.com1", "kim@example.com", "user name"),
        ("admin12345", "admin", "user name"),
    ],
)
def test_weak_passwords_are_refused_with_advice(password: str, user: str, reason: str) -> None:
    problem = weakness(password, user)
    assert problem is not None and reason in problem
    assert "unrelated words" in problem  # says what to do instead


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Tr0ub4dor&3x", "lamp cactus orbit river", "jo's own key"]
)
def test_unusual_passwords_pass(password: str) -> None:
    assert weakness(password, "jo") is None


def test_the_bundled_list_holds_ten_thousand_lower_case_passwords() -> None:
    common = common_passwords()
    assert len(common) == 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert all(p == p.lower() for p in common)


@given(st.sampled_from(sorted(common_passwords())), st.text("0123456789!?.", max_size=6))
def test_a_common_password_with_digits_or_symbols_added_is_still_refused(
    word: str, tail: str
) -> None:
    candidate = word + tail
    if len(candidate) >= MIN_LENGTH and any(c.isalpha() for c in word):
        assert weakness(candidate.capitalize()) is not None


@given(st.text(min_size=0, max_size=40))
def test_whatever_passes_is_long_and_not_on_the_list(password: str) -> None:
    if weakness(password, "someone") is None:
        assert len(password) >= MIN_LENGTH and password.strip()
        assert password.lower() not in common_passwords()
