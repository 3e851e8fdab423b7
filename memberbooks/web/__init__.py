"""Server-rendered pages: thin callers of the actions in each app."""
