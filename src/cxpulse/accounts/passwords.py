"""Password hashing with scrypt (standard library): slow and memory-hard on purpose.

The parameters are stored in each hash, so raising them later still verifies old passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# ~50 ms and 16 MiB per hash on a laptop core: cheap for a login, costly for a guesser
_N, _R, _P = 2**14, 8, 1


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def token_hash(token: str) -> str:
    """Session ids and API tokens are long random strings: a fast hash is enough for them."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of a secret a client sent (a signature, a CSRF token) with the
    expected one. As bytes: ``hmac.compare_digest`` raises TypeError on a str holding
    anything but ASCII, which a client can send on purpose."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))
