"""Stage 5: the HTTP service — one preloaded engine behind a REST API, a web page and metrics."""
