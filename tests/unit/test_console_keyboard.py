"""The console's line editor: what the user types stays on screen when a notification is
printed, and the line it hands over is exactly what was typed."""

from __future__ import annotations

from adapters.console.keyboard import LineEditor, text_width

PROMPT = "snow> "


def _editor(columns: int = 80) -> tuple[LineEditor, list[str]]:
    out: list[str] = []
    return LineEditor(out.append, lambda: columns), out


def test_a_notification_is_printed_above_the_prompt_and_the_typed_text() -> None:
    editor, out = _editor()
    editor.show(PROMPT)
    editor.feed("/snow tic")
    assert "".join(out) == "snow> /snow tic"
    out.clear()
    editor.print_above("🔔 INC0010003 Printer on fire: New → In Progress")
    # Back to the prompt's first column, clear below, the notification, then the prompt
    # and what was typed, drawn again.
    assert "".join(out) == (
        "\r\x1b[J🔔 INC0010003 Printer on fire: New → In Progress\nsnow> /snow tic"
    )
    editor.feed("kets\r")
    assert list(editor.lines) == ["/snow tickets"]
    assert not editor.prompting


def test_a_wrapped_line_is_cleared_from_its_first_row() -> None:
    editor, out = _editor(columns=10)
    editor.show(PROMPT)
    editor.feed("abcdefghijklmn")  # 20 columns: the second row is full
    out.clear()
    editor.print_above("note")
    assert "".join(out) == "\x1b[1A\r\x1b[Jnote\nsnow> abcdefghijklmn"
    editor.feed("o")  # 21 columns: three rows
    out.clear()
    editor.print_above("more")
    assert "".join(out).startswith("\x1b[2A\r\x1b[J")


def test_keys_typed_before_the_prompt_wait_for_it_unechoed() -> None:
    editor, out = _editor()
    editor.feed("/snow st")
    assert out == []
    editor.print_above("🔔 a notification")
    assert "".join(out) == "🔔 a notification\n"
    out.clear()
    editor.show(PROMPT)
    assert "".join(out) == "snow> /snow st"


def test_editing_keys_and_escape_sequences() -> None:
    editor, _ = _editor()
    editor.show(PROMPT)
    # Backspace, Ctrl-W (a word), an arrow key and F5 (ignored), a tab (a space).
    editor.feed("/snow tickes\x7fts inc\x17\x1b[A\x1b[15~\x1bOPincident\tall\r")
    editor.show(PROMPT)
    editor.feed("gone\x15quit\r\n")  # Ctrl-U empties the line; CR LF is one Enter
    assert list(editor.lines) == ["/snow tickets incident all", "quit"]


def test_ctrl_d_ends_input_only_on_an_empty_line() -> None:
    editor, out = _editor()
    editor.show(PROMPT)
    editor.feed("x\x04")
    assert list(editor.lines) == []
    editor.feed("\x7f\x04")
    assert list(editor.lines) == [None]
    assert not "".join(out).endswith("\n")


def test_width_counts_wide_characters_twice() -> None:
    assert text_width("snow> ") == 6
    assert text_width("🔔 åäö") == 6
    assert text_width("e\u0301") == 1
