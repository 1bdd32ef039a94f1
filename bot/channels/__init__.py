"""Rasa input channels of Madoguchi (the hardened socket.io channel behind the chat page)."""
