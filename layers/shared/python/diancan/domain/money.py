"""Money is an integer number of fen (分, 1/100 yuan) everywhere; no float comes near it."""

from __future__ import annotations

type Fen = int
"""An amount of money in fen. Always an ``int``."""


def yuan(amount: Fen) -> str:
    """Format fen as yuan for people: ``1234`` → ``"12.34"``, ``-5`` → ``"-0.05"``."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    return f"{sign}{whole}.{cents:02d}"


def percent_of(amount: Fen, percent: int | float) -> Fen:
    """``percent``% of ``amount``, rounded half up to whole fen (the one rounding rule we use)."""
    numerator = int(amount) * round(percent * 100)
    return (numerator + 5000) // 10000
