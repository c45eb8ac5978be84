"""Where POST /tts keeps its files: the shared names and types (base), a folder and an S3
backend, the factory that picks one, and the monitor that tracks whether it can be reached."""
