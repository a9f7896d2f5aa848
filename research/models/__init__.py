from research.models.programmes import Funder, FunderContact, ProgrammeMember
from research.models.snapshots import Snapshot

__all__ = ["Funder", "FunderContact", "ProgrammeMember", "Snapshot"]
