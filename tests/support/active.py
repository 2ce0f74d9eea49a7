"""PDFs carrying active or inert-but-notable content, built with pyHanko's writer over a
reportlab document (B7)."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests.support.pdfs import reportlab_pdf


def _js(code: str) -> generic.DictionaryObject:
    return generic.DictionaryObject({pdf_name("/S"): pdf_name("/JavaScript"),
                                     pdf_name("/JS"): pdf_string(code)})


def _with_root(key: str, value: generic.PdfObject) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(reportlab_pdf(title=f"active {key}")))
    writer.root[pdf_name(key)] = value
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _names(kind: str, value: generic.PdfObject) -> generic.DictionaryObject:
    tree = generic.DictionaryObject({pdf_name("/Names"): generic.ArrayObject(
        [pdf_string("x"), value])})
    return generic.DictionaryObject({pdf_name(kind): tree})


def document_javascript() -> bytes:
    return _with_root("/Names", _names("/JavaScript", _js("app.alert('hi')")))


def open_action_javascript() -> bytes:
    return _with_root("/OpenAction", _js("this.print()"))


def launch_link() -> bytes:
    """A link annotation on page 1 whose action launches a program."""
    writer = IncrementalPdfFileWriter(io.BytesIO(reportlab_pdf(title="launch")))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    annot = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Link"),
        pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in
                                                 (10, 10, 100, 40)]),
        pdf_name("/A"): generic.DictionaryObject({
            pdf_name("/S"): pdf_name("/Launch"), pdf_name("/F"): pdf_string("calc.exe")})}))
    page[pdf_name("/Annots")] = generic.ArrayObject([annot])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def embedded_file() -> bytes:
    stream = generic.StreamObject({pdf_name("/Type"): pdf_name("/EmbeddedFile")},
                                  stream_data=b"attached terms")
    spec = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Filespec"), pdf_name("/F"): pdf_string("terms.txt"),
        pdf_name("/EF"): generic.DictionaryObject({pdf_name("/F"): stream})})
    return _with_root("/Names", _names("/EmbeddedFiles", spec))
