"""Chat platform adapters: translate, call core, render."""
