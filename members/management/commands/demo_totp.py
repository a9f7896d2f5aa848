"""`manage.py demo_totp EMAIL`: the current two-factor code of a demo account.

Demo only (DEBUG=1): it reads the account's TOTP secret from the database, which is
exactly what a second factor must keep out of reach of anyone holding the database.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (only with DEBUG=1)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_totp reads a second factor's secret: it runs only in the demo (DEBUG=1)."
            )
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"The account {user.email} has no authenticator app (TOTP).")

        secret = decrypt(authenticator.data["secret"])
        counter, elapsed = divmod(int(time.time()), app_settings.TOTP_PERIOD)
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
        # On stderr, so that the code alone can be piped.
        self.stderr.write(f"valid for {app_settings.TOTP_PERIOD - elapsed} more seconds")
