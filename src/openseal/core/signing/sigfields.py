"""Signature fields: OpenSeal's field names, whether one of our seals certified the
document, the empty fields a certifying seal leaves for the seals to come, and where they
are. Certification is DocMDP P=2 (form filling and signing allowed): a later seal fills a
field that was left, since a new visible field after a certification breaks it."""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields

from openseal.core.signing.appearance import SealImage
from openseal.core.signing.placement import Placement, resolve_box
from openseal.core.signing.preflight import page_box
from openseal.errors import Conflict

FIELD_PREFIX = "OpenSeal"


def already_signed() -> Conflict:
    return Conflict("ALREADY_SIGNED", "文档已有签名，只有第一个印章可以作为认证签名（--certify）",
                    "The document is already signed: only the first seal may certify it "
                    "(--certify)")


def certified(writer: IncrementalPdfFileWriter) -> bool:
    """Whether one of our seals (an OpenSeal field) certified the document: a certification
    we read strictly (a new visible field breaks it). Someone else's certification is read
    as Acrobat does, and our seal may be added to it as before."""
    root = writer.prev.root
    perms = root["/Perms"] if "/Perms" in root else None
    if not isinstance(perms, generic.DictionaryObject) or "/DocMDP" not in perms:
        return False
    docmdp = perms.raw_get("/DocMDP")
    target = docmdp.reference if isinstance(docmdp, generic.IndirectObject) else None
    for name, _, ref in fields.enumerate_sig_fields(writer.prev, filled_status=True):
        value = ref.get_object().raw_get("/V")
        if (name.startswith(FIELD_PREFIX) and isinstance(value, generic.IndirectObject)
                and value.reference == target):
            return True
    return False


def may_add_to_certified(left: tuple[str, int] | None, draws: bool) -> None:
    """A certified document takes a new seal only in a field its certifier left empty, and
    no new page content: anything else breaks the certification (pyHanko's reading)."""
    if left is None:
        raise Conflict("CERTIFIED_NO_FIELD", "文档已被认证签名锁定，且没有为后续印章预留的签名域",
                       "The document is certified and has no signature field left empty for "
                       "a further seal")
    if draws:  # keyword or cross-page stamps: new page content
        raise Conflict("CERTIFIED_NO_DRAWING", "已认证的文档不能再加关键字印章或骑缝章",
                       "A certified document takes no keyword or cross-page stamps")


def signed(writer: object) -> bool:
    """Whether the document already carries a signature (or a document timestamp)."""
    return any(True for _ in fields.enumerate_sig_fields(
        writer.prev, filled_status=True))  # type: ignore[attr-defined]


def next_field_name(writer: object) -> str:
    return field_names(writer, 1)[0]


def field_names(writer: object, count: int) -> list[str]:
    """The first ``count`` free field names OpenSeal1, OpenSeal2 ..."""
    existing = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}  # type: ignore[attr-defined]
    names: list[str] = []
    n = 1
    while len(names) < count:
        if f"{FIELD_PREFIX}{n}" not in existing:
            names.append(f"{FIELD_PREFIX}{n}")
        n += 1
    return names


def reserve_fields(writer: IncrementalPdfFileWriter, at: tuple[Placement, ...],
                    image: SealImage) -> None:
    """Empty signature fields at ``at`` (one seal's size each), named after the new one."""
    for name, placement in zip(field_names(writer, len(at) + 1)[1:], at, strict=True):
        box = resolve_box(placement, page_box(writer.prev, placement.page),
                          image.width_mm, image.height_mm)
        fields.append_signature_field(writer, fields.SigFieldSpec(
            sig_field_name=name, on_page=placement.page - 1,
            box=box))  # type: ignore[arg-type]


def left_for_us(writer: IncrementalPdfFileWriter) -> tuple[str, int] | None:
    """The first empty OpenSeal signature field and its page (1-based), if any."""
    for name, _, ref in fields.enumerate_sig_fields(writer.prev, filled_status=False):
        if name.startswith(FIELD_PREFIX):
            widget = ref.get_object()
            if "/Kids" in widget:
                widget = widget["/Kids"][0].get_object()
            return name, page_number(writer, widget.raw_get("/P") if "/P" in widget else None)
    return None


def page_number(writer: IncrementalPdfFileWriter, page: object) -> int:
    """1-based number of the page object ``page`` (1 when it cannot be told)."""
    target = getattr(page, "reference", None)
    count = int(writer.prev.root["/Pages"]["/Count"])
    for index in range(min(count, 10_000)):
        if writer.prev.find_page_for_modification(index)[0] == target:
            return index + 1
    return 1
