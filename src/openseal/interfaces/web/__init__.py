"""The web pages, rendered on the server (Jinja2): the public verification pages now, the
console later. Every page speaks Chinese first and English second (``?lang=en``)."""
