"""The local terminal chat: ``snowops chat`` (commands → core → text)."""
