"""The HTTP protocol: routes, request schemas, responses, auth and error handlers."""
