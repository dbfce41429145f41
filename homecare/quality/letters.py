"""Complaint letters from templates: the acknowledgement (with the action plan) and the decision letter.

The wording lives in templates (templates/quality/letters/*.txt, paragraphs separated by a blank line),
so a council can change it without touching code. A letter is built once as plain values (`Letter`) and
rendered twice: as printable HTML (the letter page) and as a PDF (fpdf2, pure Python).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from fpdf import FPDF

from homecare.quality.models import Complaint, ComplaintOutcome, ComplaintStage, ComplaintStageRecord

KINDS = {"acknowledgement": "Acknowledgement", "decision": "Decision letter"}


class LetterNotReady(Exception):
    """The stage has not reached the point the letter records (not acknowledged, no decision yet)."""


@dataclass(frozen=True)
class Letter:
    kind: str
    title: str
    sender: str
    recipient: str
    address: list[str]
    dated: dt.date
    reference: str
    subject: str
    paragraphs: list[str]
    signed_by: str
    signed_title: str


def _next_step(complaint: Complaint, stage: str) -> str:
    council = complaint.council.name
    if stage == ComplaintStage.PROVIDER:
        return (
            f"If you are not satisfied with this response, you can ask {council} Adult Social Care to look "
            "into your complaint. Please contact us, quoting the reference above."
        )
    if stage == ComplaintStage.COUNCIL_FIRST:
        return (
            "If you are not satisfied with this decision, you can ask for your complaint to be reviewed at "
            "the second stage. Please tell us within 28 days what you remain unhappy about."
        )
    return (
        "This is our final response. If you remain unhappy, you can ask the Local Government and Social "
        "Care Ombudsman to look into your complaint (www.lgo.org.uk, 0300 061 0614)."
    )


def build(complaint: Complaint, record: ComplaintStageRecord, kind: str) -> Letter:
    if kind not in KINDS:
        raise LetterNotReady(kind)
    if kind == "acknowledgement" and record.acknowledged_on is None:
        raise LetterNotReady("This stage has not been acknowledged yet")
    if kind == "decision" and record.responded_on is None:
        raise LetterNotReady("No decision has been sent at this stage yet")
    from_provider = record.stage == ComplaintStage.PROVIDER and complaint.provider is not None
    signer = record.acknowledged_by if kind == "acknowledgement" else record.responded_by
    about = complaint.provider.name if complaint.provider else "Adult Social Care"
    context = {
        "complaint": complaint,
        "record": record,
        "about": about,
        "outcome": ComplaintOutcome(record.outcome).label.lower() if record.outcome else "",
        "next_step": _next_step(complaint, record.stage),
        "stage_label": ComplaintStage(record.stage).label.lower(),
    }
    text = render_to_string(f"quality/letters/{kind}.txt", context)
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return Letter(
        kind=kind,
        title=KINDS[kind],
        sender=complaint.provider.name if from_provider else f"{complaint.council.name}, Adult Social Care",
        recipient=complaint.complainant_name,
        address=[line.strip() for line in complaint.complainant_address.splitlines() if line.strip()],
        dated=record.acknowledged_on if kind == "acknowledgement" else record.responded_on,
        reference=complaint.reference,
        subject=f"Your complaint about {about}",
        paragraphs=paragraphs,
        signed_by=(signer.get_full_name() or signer.username) if signer else "",
        signed_title=(signer.job_title if signer else "")
        or ("Registered manager" if from_provider else "Complaints team"),
    )


_PDF_REPLACEMENTS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def _latin1(text: str) -> str:
    """The PDF's built-in fonts are Latin-1: straighten quotes and dashes, replace anything else."""
    return text.translate(_PDF_REPLACEMENTS).encode("latin-1", errors="replace").decode("latin-1")


def pdf(letter: Letter) -> bytes:
    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=20)
    doc.set_margins(20, 20, 20)
    doc.add_page()
    doc.set_font("Helvetica", "B", 12)
    doc.cell(0, 6, _latin1(letter.sender), new_x="LMARGIN", new_y="NEXT", align="R")
    doc.set_font("Helvetica", size=11)
    doc.cell(0, 6, f"{letter.dated:%-d %B %Y}", new_x="LMARGIN", new_y="NEXT", align="R")
    doc.cell(0, 6, f"Our reference: {letter.reference}", new_x="LMARGIN", new_y="NEXT", align="R")
    doc.ln(4)
    for line in [letter.recipient, *letter.address]:
        doc.cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.multi_cell(0, 6, _latin1(f"Dear {letter.recipient},"), new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.set_font("Helvetica", "B", 11)
    doc.multi_cell(0, 6, _latin1(letter.subject), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=11)
    for paragraph in letter.paragraphs:
        doc.ln(2)
        doc.multi_cell(0, 6, _latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    for line in ("Yours sincerely,", "", letter.signed_by, letter.signed_title):
        doc.cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
