from django.apps import AppConfig


class PeerSupportConfig(AppConfig):
    """Follow-up of the people that peer mediators accompany (health data)."""

    name = "peer_support"
    verbose_name = "Pair-aidance"

    def ready(self):
        # Registers the rules. Nothing of this app goes to django-auditlog (which
        # administrators read) nor to the admin site: its reads and writes are in its own
        # access log (peer_support.AccessLog), which only the peer-support lead reads.
        import peer_support.perms  # noqa: F401
