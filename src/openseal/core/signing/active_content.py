"""Active content policy (B7): what a document may carry to be sealed.

A seal vouches for what the document shows. Content that runs or reaches out when the file
is opened could change what is shown or act on the reader's machine, so it is **refused**:
JavaScript (document-level, open actions, additional actions, annotation and field actions),
launching programs, importing or submitting form data, rich-media execution. Content that
is inert but worth knowing is **allowed with a warning** the approver sees before approving
(and the audit trail keeps): embedded (attached) files, links to other files, XFA forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from openseal.errors import InvalidInput

REFUSED_ACTIONS = {"/JavaScript": "JAVASCRIPT", "/Launch": "LAUNCH",
                   "/ImportData": "IMPORT_DATA", "/SubmitForm": "SUBMIT_FORM",
                   "/RichMediaExecute": "RICH_MEDIA"}
WARNED_ACTIONS = {"/GoToR": "LINK_TO_OTHER_FILE", "/GoToE": "LINK_TO_EMBEDDED_FILE"}
MAX_ACTION_CHAIN = 64
_WORDS = {"JAVASCRIPT": ("JavaScript 脚本", "JavaScript"),
          "LAUNCH": ("启动外部程序", "launching programs"),
          "IMPORT_DATA": ("导入表单数据", "importing form data"),
          "SUBMIT_FORM": ("提交表单数据", "submitting form data"),
          "RICH_MEDIA": ("富媒体执行", "rich-media execution")}


@dataclass(frozen=True)
class ActiveContent:
    refused: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def active_content(reader: PdfFileReader, max_pages: int) -> ActiveContent:
    """What ``reader``'s document carries that runs or reaches out."""
    found: dict[str, None] = {}
    root = reader.root
    names = _dict(root.get("/Names"))
    if names is not None and "/JavaScript" in names:
        found["JAVASCRIPT"] = None
    if names is not None and "/EmbeddedFiles" in names:
        found["EMBEDDED_FILES"] = None
    form = _dict(root.get("/AcroForm"))
    if form is not None and "/XFA" in form:
        found["XFA_FORM"] = None
    for holder in (root, *_pages(root, max_pages)):
        for action in _actions_of(holder):
            found.update(dict.fromkeys(_kinds(action)))
    refused = tuple(k for k in found if k in REFUSED_ACTIONS.values())
    return ActiveContent(refused, tuple(k for k in found if k not in refused))


def refuse_active(content: ActiveContent) -> None:
    if content.refused:
        zh = "、".join(_WORDS[k][0] for k in content.refused)
        en = ", ".join(_WORDS[k][1] for k in content.refused)
        raise InvalidInput("ACTIVE_CONTENT", f"文件含有可执行的内容（{zh}），不能盖章",
                           f"The document carries active content ({en}) and cannot be sealed",
                           found=list(content.refused))


def _pages(root: generic.DictionaryObject, limit: int) -> Iterator[generic.DictionaryObject]:
    """Every page and its annotations (widgets of form fields included), up to ``limit``."""
    stack, seen = [_dict(root.get("/Pages"))], 0
    while stack and seen < limit:
        node = stack.pop()
        if node is None:
            continue
        kids = node.get("/Kids")
        if kids is not None:
            stack.extend(_dict(k) for k in reversed(list(_array(kids))))
            continue
        seen += 1
        yield node
        for annot in _array(node.get("/Annots")):
            found = _dict(annot)
            if found is not None:
                yield found


def _actions_of(holder: generic.DictionaryObject) -> Iterator[generic.DictionaryObject]:
    for key in ("/OpenAction", "/A"):
        action = _dict(holder.get(key))
        if action is not None:
            yield action
    triggers = _dict(holder.get("/AA"))
    if triggers is not None:
        for value in triggers.values():
            action = _dict(value)
            if action is not None:
                yield action


def _kinds(action: generic.DictionaryObject) -> Iterator[str]:
    """The kinds of ``action`` and of the actions chained after it (/Next)."""
    todo, steps = [action], 0
    while todo and steps < MAX_ACTION_CHAIN:
        current = todo.pop()
        steps += 1
        kind = str(current.get("/S", ""))
        if kind in REFUSED_ACTIONS:
            yield REFUSED_ACTIONS[kind]
        elif kind in WARNED_ACTIONS:
            yield WARNED_ACTIONS[kind]
        elif "/JS" in current:
            yield "JAVASCRIPT"
        following = current.get("/Next")
        if isinstance(following, generic.ArrayObject):
            todo.extend(d for d in (_dict(x) for x in following) if d is not None)
        elif following is not None and _dict(following) is not None:
            todo.append(_dict(following))  # type: ignore[arg-type]


def _dict(value: object) -> generic.DictionaryObject | None:
    if isinstance(value, generic.IndirectObject):
        value = value.get_object()
    return value if isinstance(value, generic.DictionaryObject) else None


def _array(value: object) -> generic.ArrayObject:
    if isinstance(value, generic.IndirectObject):
        value = value.get_object()
    return value if isinstance(value, generic.ArrayObject) else generic.ArrayObject()
