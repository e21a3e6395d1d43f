"""The demo tenant's users as tests name them, read from the emulator's own demo data (one place).

``auth0link.emulator.state.demo.DEMO_USERS`` is what every emulator serves; these names pick its users
out by provider and e-mail (or phone), so a change there cannot leave a stale copy here.
"""

from __future__ import annotations

from typing import Final

from auth0link.emulator.state import demo


def _user_id(provider: str, contact: str) -> str:
    """The ID of the demo user of ``provider`` whose e-mail (or phone number) is ``contact``."""
    return next(
        str(user["user_id"])
        for user in demo.DEMO_USERS
        if user["user_id"].startswith(provider + "|")
        and contact in {user.get("email"), user.get("phone_number")}
    )


ALICE_EMAIL: Final = "alice@example.com"
BOB_EMAIL: Final = "bob@example.com"
SMS_PHONE: Final = "+15555550123"
ALICE: Final = _user_id("auth0", ALICE_EMAIL)
GOOGLE: Final = _user_id("google-oauth2", ALICE_EMAIL)
GITHUB: Final = _user_id("github", ALICE_EMAIL)
EMAIL_USER: Final = _user_id("email", ALICE_EMAIL)
BOB: Final = _user_id("auth0", BOB_EMAIL)
SMS_USER: Final = _user_id("sms", SMS_PHONE)
ALICE_PASSWORD: Final = demo.ALICE_PASSWORD
BOB_PASSWORD: Final = demo.BOB_PASSWORD
DATABASE: Final = demo.DATABASE
