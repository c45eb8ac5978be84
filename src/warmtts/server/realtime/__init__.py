"""The realtime WebSocket: an LLM's text in as it is written, speech out sentence by sentence."""
