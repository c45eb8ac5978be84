"""warmtts: Chinese and English text-to-speech on the CPU, preloaded and streaming."""

__version__ = "0.1.0"
