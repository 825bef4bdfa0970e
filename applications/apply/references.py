"""Reference numbers a school can read out over the phone: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V confusions."""

import secrets

ALPHABET = "34679ACDEFGHJKMNPQRTWXY"  # 23 symbols; 8 of them give ~7.8e10 combinations
LENGTH = 8


def new_reference(year):
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{year}-{code[:4]}-{code[4:]}"


def normalise(text):
    """What a person types back: any case, spaces or dashes anywhere."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(cleaned) != 4 + LENGTH or not cleaned[:4].isdigit():
        return None
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"
