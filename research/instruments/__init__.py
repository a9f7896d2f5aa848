"""Instruments shipped with the platform, as data: each module holds a DEFINITION (a
plain dict) that `research.instruments.loader` writes into the database. Validated
scales under licence are never shipped here: the cooperative adds them itself, through
the questionnaire builder."""
