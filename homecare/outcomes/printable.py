"""The printable feedback form (PDF, fpdf2): large type, one question per block, boxes to tick.

The same questions and scale as the web form (models.QUESTIONS, Scale), so paper answers are typed in
as they were given. It names the provider and the survey number, never the person's details beyond
their name, so a lost form discloses little.
"""

from __future__ import annotations

from fpdf import FPDF

from homecare.outcomes.models import QUESTIONS, AnsweredBy, FeedbackSurvey, Scale

_REPLACEMENTS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def _latin1(text: str) -> str:
    """The PDF's built-in fonts are Latin-1: straighten quotes and dashes, replace anything else."""
    return text.translate(_REPLACEMENTS).encode("latin-1", errors="replace").decode("latin-1")


def _boxes(doc: FPDF, labels: list[str]) -> None:
    for label in labels:
        doc.cell(7, 7, "", border=1)
        doc.cell(3, 7, "")
        doc.cell(0, 7, _latin1(label), new_x="LMARGIN", new_y="NEXT")
        doc.ln(1.5)


def survey_pdf(survey: FeedbackSurvey) -> bytes:
    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=18)
    doc.set_margins(20, 18, 20)
    doc.set_title("Your views on your homecare")
    doc.add_page()
    doc.set_font("Helvetica", "B", 20)
    doc.multi_cell(0, 10, "Your views on your homecare", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=14)
    provider = survey.provider.name if survey.provider else "your care provider"
    intro = (
        f"{survey.person.full_name}, we would like to know what you think of the care you get from "
        f"{provider}. Tick one box for each question. There are no right or wrong answers, and you can "
        f"ask someone to help you. Please return this form to {survey.council.name} Adult Social Care."
    )
    doc.multi_cell(0, 7, _latin1(intro), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=11)
    doc.cell(0, 7, f"Form number {survey.pk}", new_x="LMARGIN", new_y="NEXT")
    scale = [label for _, label in Scale.choices]
    for number, question in enumerate(QUESTIONS.values(), start=1):
        doc.ln(4)
        doc.set_font("Helvetica", "B", 14)
        doc.multi_cell(0, 7, _latin1(f"{number}. {question}"), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", size=14)
        _boxes(doc, scale)
    doc.ln(4)
    doc.set_font("Helvetica", "B", 14)
    doc.multi_cell(0, 7, "Is there anything else you would like to tell us?", new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 45, "", border=1, new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.multi_cell(0, 7, "Who filled in this form?", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=14)
    _boxes(doc, [label for _, label in AnsweredBy.choices])
    return bytes(doc.output())
