"""Reading a report back as its reader gets it: the CSV with Python's csv module, the PDF's text with pypdf."""

import csv
import io

from pypdf import PdfReader


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
