"""What an instance says about its own tables: choice lists (``sys_choice``) and fields
(``sys_dictionary``), as the TicketGateway port returns them. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FIELD_PREFIX",
    "REFERENCE",
    "TEXT_TYPES",
    "ChoiceEntry",
    "DictionaryField",
    "FormField",
    "form_key",
]

#: Form input ids of the instance's fields: ``sn.u_business_service``.
FIELD_PREFIX = "sn."
#: sys_dictionary's internal_type of a reference field.
REFERENCE = "reference"
#: Internal types that hold plain text a person may type (and a list may filter on).
TEXT_TYPES = frozenset({"string", "choice", "text", "html", "url", "email", "translated_text"})


@dataclass(frozen=True, slots=True)
class ChoiceEntry:
    """One active ``sys_choice`` entry of a field: the stored value and its label;
    ``dependent_value`` is the parent field's value it belongs to (subcategories)."""

    value: str
    label: str
    dependent_value: str = ""


@dataclass(frozen=True, slots=True)
class DictionaryField:
    """One ``sys_dictionary`` entry of a table's field."""

    element: str
    label: str
    internal_type: str = "string"
    reference: str = ""
    mandatory: bool = False
    read_only: bool = False
    choice: bool = False


def form_key(element: str) -> str:
    """The form input id of a field."""
    return FIELD_PREFIX + element


@dataclass(frozen=True, slots=True)
class FormField:
    """One of the instance's required fields on the form. ``options`` (value, label): a
    choice list, or the referenced records (sys_id, name); none: free text."""

    element: str
    label: str
    options: tuple[tuple[str, str], ...] = ()
    reference: str = ""
    value: str = ""

    @property
    def key(self) -> str:
        """The form input id."""
        return form_key(self.element)
