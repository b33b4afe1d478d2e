"""Which new passwords are refused: those guessed first, whatever their length.

As NIST SP 800-63B (5.1.1.2) asks of a password chosen by its user: at least
:data:`MIN_LENGTH` characters, not one of the commonly used passwords (also dressed up with
digits, symbols or ``p@ssw0rd`` spelling), not repetitive or sequential (``aaaaaaaaaa``,
``qwertyuiop``, ``1234567890``), and not the user name. No rules about character classes:
they make passwords harder to remember, not to guess.

The list holds the 10,000 passwords used most often (``common_passwords.txt``; where it
comes from and its licence: ``common_passwords.NOTICE.txt``). Why not zxcvbn's scoring:
its Python port (4.5.0, 850 kB, one release since 2019) follows a JavaScript original
unmaintained since 2017, its word lists are English of around 2016, and it only reads the
first 72 characters; measured here it refuses the same weak passwords as these checks
(``aaaaaaaaaa``, ``password12``, spaces), and these say plainly what to change.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

MIN_LENGTH = 10
ADVICE = "a few unrelated words (four, say) make a strong password that is easy to remember"
# keyboard rows and columns (QWERTY, QWERTZ, AZERTY), the alphabet and the digits; a
# password inside one of them, forwards or backwards, is a walk along the keys
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "1q2w3e4r5t6y7u8i9o0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "!@#$%^&*()",
)
# what a guesser tries in place of letters: p@ssw0rd, l3tm3in
_LEET = str.maketrans("0134578@$!|", "oieastbasil")
_EDGES = re.compile(r"^[^a-z]+|[^a-z]+$")
_TAIL = re.compile(r"[^a-z]+$")
_SHORT_REPEAT = re.compile(r"(.{1,4}?)\1+", re.DOTALL)
_REPEAT = re.compile(r"(.+?)\1+", re.DOTALL)


@cache
def common_passwords() -> frozenset[str]:
    text = files("cxpulse.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def _core(lowered: str) -> str:
    """The word under the dressing: ``P@ssword123!`` -> ``password``."""
    return _EDGES.sub("", lowered).translate(_LEET)


def _is_run(text: str) -> bool:
    return len(text) >= 4 and any(text in run or text in run[::-1] for run in _RUNS)


def weakness(password: str, user_name: str = "") -> str | None:
    """Why ``password`` is refused, with what to do instead; ``None`` when it may be used."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters; {ADVICE}"
    if not password.strip():
        return f"a password cannot be only spaces; {ADVICE}"
    lowered = password.lower()
    compact = "".join(lowered.split())
    if len(set(compact)) < 4 or _SHORT_REPEAT.fullmatch(compact):
        return f"this password repeats a few characters; {ADVICE}"
    core = _core(compact)
    if _is_run(compact) or _is_run(core):
        return f"this password is a run of keys or a sequence; {ADVICE}"
    name = user_name.strip().lower()
    # a name of two letters is inside too many good passwords to count
    holds_name = len(name) >= 3 and name in lowered
    if name and (holds_name or compact in name or (len(core) >= 4 and core in name)):
        return f"a password cannot hold the user name or be part of it; {ADVICE}"
    common = common_passwords()
    repeated = _REPEAT.fullmatch(core)
    # the list holds some with digits or symbols of their own (``%%passwo``, ``abc123``):
    # take off what may have been added at the end, one character at a time
    tail = _TAIL.search(compact)
    start = tail.start() if tail else len(compact)
    candidates = {lowered, core, repeated.group(1) if repeated else core}
    candidates.update(compact[:end] for end in range(start, len(compact) + 1))
    if any(c in common for c in candidates if c):
        return (
            "this is one of the most common passwords (or one with a few digits, symbols "
            f"or look-alike letters added), the first a guesser tries; {ADVICE}"
        )
    return None
