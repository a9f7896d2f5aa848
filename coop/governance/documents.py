"""The printed documents of the governance — the register of associates, the minutes of a
meeting — rendered by WeasyPrint from templates that carry their own styles."""

import weasyprint
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header

from coop.models import CooperativeProfile


def render_pdf(template: str, context: dict) -> bytes:
    """Legal documents are French, whatever the language of the person printing them."""
    with translation.override("fr"):
        html = render_to_string(template, {"profile": CooperativeProfile.current(), **context})
    # No base URL: the templates carry their styles and fetch nothing.
    return weasyprint.HTML(string=html).write_pdf()


def pdf_response(template: str, context: dict, *, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
