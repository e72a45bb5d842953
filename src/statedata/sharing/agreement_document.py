"""An agreement as a document: its numbered sections, written once and rendered both as the
HTML page and as a PDF to sign and file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# The PDF's built-in fonts hold Latin-1 only; these are the characters outside it that our
# own text uses, written the nearest way.
_PLAIN = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00d7": "x",  # multiplication sign
        "\u2022": "-",  # bullet
    }
)


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


def _party(p: dict[str, Any]) -> str:
    text = f"{p.get('name', '')} ({p.get('kind', '')}, {p.get('role', '')})"
    if p.get("signatory"):
        text += f", signed by {p['signatory']}"
        text += f", {p['title']}" if p.get("title") else ""
        text += f" on {p['signed_on']}" if p.get("signed_on") else ""
    return text


def _source(s: dict[str, Any]) -> str:
    text = f"{s.get('title') or s.get('dataset')} ({s.get('agency', '')}), under {s.get('regime')}"
    text += f" ({s['authority']})" if s.get("authority") else ""
    text += ": " + ", ".join(s.get("columns", []))
    return text + (f", rows where {s['row_condition']}" if s.get("row_condition") else "")


def sections(view: dict[str, Any]) -> list[Section]:
    """The agreement's sections, from :func:`statedata.sharing.agreements.agreement_view`."""
    linkage = f"Linkage: {view['linkage_method']}"
    if view["identifier_holder"]:
        linkage += f"; identifiers held by {view['identifier_holder']}"
    publication = view["redisclosure"] or "Not yet stated."
    if view["publication_threshold"]:
        publication += f" Published cells count at least {view['publication_threshold']}."
    destruction = f"Destruction: {view['destruction_method'] or 'method not yet stated'}"
    if view["destruction_deadline"]:
        destruction += f", by {view['destruction_deadline']}"
    breach = (
        f"A breach is reported within {view['breach_notice_hours']} hours."
        if view["breach_notice_hours"] is not None
        else "Breach notice not yet stated."
    )
    return [
        Section("1. Parties", bullets=[_party(p) for p in view["parties"]] or ["None named."]),
        Section("2. Purpose", paragraphs=[view["purpose"] or "Not yet stated."]),
        Section("Permitted uses", bullets=view["permitted_uses"] or ["None stated."]),
        Section("Prohibited uses", bullets=view["prohibited_uses"] or ["None stated."]),
        Section(
            "3. Data and legal authority",
            paragraphs=[linkage + "."],
            bullets=[_source(s) for s in view["sources"]] or ["No data named."],
        ),
        Section(
            "4. Security and authorized users",
            paragraphs=[
                "Authorized users: "
                + (", ".join(view["authorized_users"]) or "none named yet")
                + "."
            ],
            bullets=view["security_requirements"],
        ),
        Section("5. Re-disclosure and publication", paragraphs=[publication]),
        Section(
            "6. Retention and destruction",
            paragraphs=[view["retention"] or "Retention not yet stated.", destruction + "."],
        ),
        Section(
            "7. Breach, renewal and termination",
            paragraphs=[p for p in (breach, view["renewal"], view["termination"]) if p],
        ),
    ]


def _plain(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def as_pdf(view: dict[str, Any]) -> bytes:
    """The agreement as a letter-size PDF: title, status and term, the sections, the checklist."""
    from fpdf import FPDF  # with Pillow and fontTools: loaded when a PDF is asked for, not before

    pdf = FPDF(format="letter")
    pdf.set_title(_plain(view["title"]))
    pdf.set_creator("statedata")
    pdf.set_compression(False)  # small documents; plain text streams can be searched as they are
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def write(text: str, size: int, style: Literal["", "B"] = "", indent: float = 0) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.5, _plain(text), new_x="LMARGIN", new_y="NEXT")

    write(view["title"], 16, "B")
    term = f"Status: {view['status']}."
    if view["starts_on"]:
        term += f" Term: {view['starts_on']} to {view['ends_on'] or '?'}."
    write(term, 10)
    for section in sections(view):
        pdf.ln(3)
        write(section.heading, 12, "B")
        for paragraph in section.paragraphs:
            write(paragraph, 10)
        for bullet in section.bullets:
            write(f"- {bullet}", 10, indent=4)
    pdf.ln(3)
    write(f"What the legal regimes ask ({view['missing']} missing)", 12, "B")
    for item in view["checklist"]:
        met = "Met" if item["met"] else "Missing"
        write(f"- {met}: {item['item']} [{item['regime']}]", 10, indent=4)
    return bytes(pdf.output())
