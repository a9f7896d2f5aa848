from research.models.extracts import ExtractRequest
from research.models.programmes import Funder, FunderContact, ProgrammeMember
from research.models.snapshots import Snapshot

__all__ = ["ExtractRequest", "Funder", "FunderContact", "ProgrammeMember", "Snapshot"]
