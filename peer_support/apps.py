from django.apps import AppConfig


class PeerSupportConfig(AppConfig):
    """Follow-up of the people that peer mediators accompany (health data)."""

    name = "peer_support"
    verbose_name = "Pair-aidance"
