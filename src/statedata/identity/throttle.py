"""Sign-in throttling: failed passwords are limited per account and per address.

Each failure counts against both the account named (known or not, so the answer does not tell
which accounts exist) and the address it came from. Over either limit, the sign-in is refused
before the password is checked, for known and unknown accounts alike, with the time to wait;
the wait grows by one share of the window per further attempt allowed, never all at once. A
right password clears the account's count (not the address's: one good account must not
launder an address's guessing at others).
"""

from __future__ import annotations

from statedata.core.errors import TooManyRequests
from statedata.core.limits import Buckets

WINDOW_SECONDS = 15 * 60
ACCOUNT_FAILURES = 5  # a person mistyping is well under this
ADDRESS_FAILURES = 20  # an office behind one address signs many people in


def _keys(username: str, client_ip: str | None) -> tuple[str, str]:
    return f"signin:user:{username.strip().lower()[:100]}", f"signin:ip:{client_ip or '?'}"


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


class SignInThrottle:
    def __init__(self, buckets: Buckets) -> None:
        self.buckets = buckets

    def check(self, username: str, client_ip: str | None) -> None:
        """Refuse (429, with when to try again) a sign-in over either limit."""
        account, address = _keys(username, client_ip)
        waits = [
            (wait, what)
            for key, limit, what in (
                (account, ACCOUNT_FAILURES, "for this account"),
                (address, ADDRESS_FAILURES, "from this address"),
            )
            if (wait := self.buckets.take(key, limit, WINDOW_SECONDS, peek=True)) is not None
        ]
        if waits:
            wait, what = max(waits)
            raise TooManyRequests(
                f"Too many failed sign-ins {what}; try again in {_in_words(wait)}.", wait
            )

    def failed(self, username: str, client_ip: str | None) -> None:
        account, address = _keys(username, client_ip)
        self.buckets.take(account, ACCOUNT_FAILURES, WINDOW_SECONDS)
        self.buckets.take(address, ADDRESS_FAILURES, WINDOW_SECONDS)

    def succeeded(self, username: str) -> None:
        self.buckets.clear(_keys(username, None)[0])
