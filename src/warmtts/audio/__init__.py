"""Audio: chunks, joining without clicks, resampling and encoding."""
