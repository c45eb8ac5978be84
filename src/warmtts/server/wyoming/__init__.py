"""The Wyoming protocol (Home Assistant): streamed text in, audio events out."""
