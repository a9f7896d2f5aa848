from research.models.extracts import ExtractRequest
from research.models.programmes import Funder, FunderContact, ProgrammeMember
from research.models.questionnaires import (
    Answer,
    Instrument,
    InstrumentVersion,
    Option,
    Question,
    Response,
    Survey,
    SurveyRecipient,
    SurveyReminder,
    Wave,
)
from research.models.snapshots import Snapshot
from research.models.testimonials import Testimonial

__all__ = [
    "Answer",
    "ExtractRequest",
    "Funder",
    "FunderContact",
    "Instrument",
    "InstrumentVersion",
    "Option",
    "ProgrammeMember",
    "Question",
    "Response",
    "Snapshot",
    "Survey",
    "SurveyRecipient",
    "SurveyReminder",
    "Testimonial",
    "Wave",
]
