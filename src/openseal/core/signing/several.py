"""Several seals in one operation: each its own signature and incremental update.

``seal_several`` calls ``seal_document`` for each seal in turn, the output of one being the
input of the next, so each seal is authorised, spent, recorded and audited on its own; the
caller runs the whole in one transaction (all or nothing). The first seal may certify the
document (DocMDP P=2): it then also leaves empty signature fields where the others go, since
a new visible signature field after a certification breaks it and filling one does not.

Positions: one ``Placement`` per seal, or side by side from one placement (each seal one
seal-width further left than the one before), or all at a keyword, side by side likewise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.keys.model import KeyStore
from openseal.core.pki.service import PkiService
from openseal.core.records import SealRecord
from openseal.core.seals.service import find_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import (
    DEFAULT_MARGIN_MM,
    PT_PER_MM,
    Placement,
    seal_size,
)
from openseal.core.signing.preflight import open_checked, page_box
from openseal.core.signing.service import SealedDocument, SealerCache, seal_document
from openseal.errors import InvalidInput

MAX_SEALS = 10


@dataclass(frozen=True)
class SealStep:
    seal_ref: str
    request: SealRequest


def parse_at(text: str) -> Placement:
    """``PAGE:X:Y`` (mm from the bottom-left corner) as a Placement."""
    parts = text.split(":")
    try:
        page, x, y = int(parts[0]), float(parts[1]), float(parts[2])
        if len(parts) != 3 or not all(abs(v) < 100_000 for v in (page, x, y)):
            raise ValueError(text)
    except (ValueError, IndexError) as exc:
        raise InvalidInput("POSITION_INVALID", f"位置应写作 页:X:Y（毫米），收到「{text}」",
                           f"A position is PAGE:X:Y (mm), got '{text}'",
                           field="at") from exc
    return Placement(page, x, y)


def left_fields(certify: bool, leave: Sequence[str] | None) -> tuple[Placement, ...]:
    """The empty signature fields a certifying seal leaves for the parties to come (each
    ``PAGE:X:Y``): a later seal fills one of them instead of adding a new field, which would
    break the certification."""
    if not leave:
        return ()
    if not certify:
        raise InvalidInput("LEAVE_NEEDS_CERTIFY", "只有认证签名需要预留签名域",
                           "Fields are left for later parties only by a certifying seal",
                           field="leave")
    if len(leave) > MAX_SEALS:
        raise InvalidInput("LEAVE_COUNT", f"最多预留 {MAX_SEALS} 个签名域",
                           f"At most {MAX_SEALS} fields can be left", field="leave")
    return tuple(parse_at(text) for text in leave)


def plan(repos: ApprovalRepos, pdf: bytes, seal_refs: Sequence[str], base: SealRequest,
         at: Sequence[str] = ()) -> list[SealStep]:
    """One step per seal: at ``at`` (one PAGE:X:Y per seal, in order), else side by side
    from ``base``'s position (or its keyword); only the first keeps ``base``'s cross-page
    seal and certification."""
    if not seal_refs or len(seal_refs) > MAX_SEALS:
        raise InvalidInput("SEAL_COUNT", f"一次可盖 1–{MAX_SEALS} 个印章，收到 "
                           f"{len(seal_refs)} 个", f"One operation takes 1-{MAX_SEALS} seals, "
                           f"got {len(seal_refs)}", field="seal")
    if len(seal_refs) == 1:
        return [SealStep(seal_refs[0], _with_at(base, at[0]) if at else base)]
    if at and len(at) != len(seal_refs):
        raise InvalidInput("POSITION_COUNT", f"{len(seal_refs)} 个印章需要同样多的位置，"
                           f"收到 {len(at)} 个", f"{len(seal_refs)} seals need as many "
                           f"positions, got {len(at)}", field="at")
    later = replace(base, certify=False, cross_page=None, reserve=())
    if at:
        requests = [_with_at(base if i == 0 else later, text) for i, text in enumerate(at)]
    else:
        widths = [seal_size(base.placement.size_mm, art.width_mm, art.height_mm)[0]
                  for art in (find_seal(repos, ref).artwork for ref in seal_refs)]
        if base.certify:  # the others fill fields the size of the certifying seal
            widths = [widths[0]] * len(widths)
        requests = _side_by_side(pdf, base, later, widths)
    return [SealStep(ref, request) for ref, request in zip(seal_refs, requests, strict=True)]


def _with_at(request: SealRequest, text: str) -> SealRequest:
    at = parse_at(text)
    return replace(request, keyword=None, placement=replace(at, size_mm=request.placement.size_mm))


def _side_by_side(pdf: bytes, base: SealRequest, later: SealRequest,
                  widths: list[float]) -> list[SealRequest]:
    if base.keyword is not None:  # centred on the keyword, the next ones further left
        ox, oy = base.offset_mm
        shifts = [sum((widths[j] + widths[j + 1]) / 2 for j in range(i))
                  for i in range(len(widths))]
        return [replace(base if i == 0 else later, offset_mm=(ox - shift, oy))
                for i, shift in enumerate(shifts)]
    placement = base.placement
    x0 = placement.x_mm
    if x0 is None:  # the default corner of the first seal
        box = page_box(open_checked(pdf)[0].prev, placement.page)
        x0 = max((box.right - box.left) / PT_PER_MM - widths[0] - DEFAULT_MARGIN_MM, 0.0)
    out, x = [], x0
    for i, width in enumerate(widths):
        if i:
            x -= width
        out.append(replace(base if i == 0 else later, placement=replace(placement, x_mm=x)))
    return out


def seal_several(
    repos: ApprovalRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, steps: Sequence[SealStep], pdf: bytes, *, audit: AuditRecorder,
    principal: Principal | Callable[[SealRecord], Principal], category: str | None = None,
    qr_base: str | None = None, level: str | None = None,
) -> list[SealedDocument]:
    """Apply ``steps`` one after the other (each authorised, recorded and audited as one
    ``seal_document``); the last result holds the final PDF. ``principal`` may be a function
    of the seal (the CLI's operator acts in the seal's organisation). The caller commits all
    the records together, or none."""
    if not steps or len(steps) > MAX_SEALS:
        raise InvalidInput("SEAL_COUNT", f"一次可盖 1–{MAX_SEALS} 个印章",
                           f"One operation takes 1-{MAX_SEALS} seals", field="seal")
    if any(step.request.certify for step in steps[1:]):
        raise InvalidInput("CERTIFY_FIRST", "只有第一个印章可以作为认证签名",
                           "Only the first seal may certify the document", field="certify")
    if qr_base is not None and len(steps) > 1:
        raise InvalidInput("SEVERAL_SEALS_QR", "一次盖多个印章时不能加二维码",
                           "A QR code goes with one seal only, not with several",
                           field="qr")
    first = steps[0]
    if first.request.certify and len(steps) > 1:  # room for the others, in the certified part
        first = replace(first, request=replace(first.request, reserve=(*(
            step.request.placement for step in steps[1:]), *first.request.reserve)))
        if any(step.request.keyword is not None for step in steps[1:]):
            raise InvalidInput("CERTIFY_KEYWORD", "认证签名后其余印章需给出位置，不能用关键字",
                               "After a certifying seal the others need positions, not a "
                               "keyword", field="keyword")
    done: list[SealedDocument] = []
    for step in (first, *steps[1:]):
        seal = find_seal(repos, step.seal_ref)
        who = principal if isinstance(principal, Principal) else principal(seal)
        result = seal_document(repos, pki, keystore, clock, cache, seal.id, pdf, step.request,
                               audit=audit, principal=who, category=category,
                               qr_base=qr_base, level=level)
        done.append(result)
        pdf = result.pdf
    return done
