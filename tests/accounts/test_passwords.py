from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.accounts.passwords import hash_password, token_hash, verify_password


def test_hash_is_salted_and_verifies() -> None:
    a, b = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery", a)
    assert not verify_password("correct horse batterY", a)


def test_garbage_hash_never_verifies() -> None:
    for stored in ["", "plain", "bcrypt$x$y$z$a$b", "scrypt$16384$8$1$!!$!!"]:
        assert not verify_password("anything", stored)


@settings(max_examples=10, deadline=None)  # each hash costs ~50 ms on purpose
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_only_the_same_password_verifies(password: str, other: str) -> None:
    stored = hash_password(password)
    assert verify_password(password, stored)
    assert verify_password(other, stored) == (other == password)


def test_token_hash_is_stable_and_hex() -> None:
    assert token_hash("abc") == token_hash("abc") != token_hash("abd")
    assert len(token_hash("abc")) == 64
