"""The web console: server-rendered pages (Jinja2 + htmx) over the same core services as
the API.

To add a page: declare a ``Page`` (template, title, help section, navigation entry) in your
feature's module, take the user with ``Depends(signed_in)`` (POST handlers:
``Depends(form_user)``, which also checks the CSRF token), call the core through
``w.run(...)``, and answer with ``show(request, page, user, ...)``; on an ``OpenSealError``
answer ``show(..., error=exc)`` (``status_of(exc)`` for the status), which renders the form
again with the message in the user's language. Add the router to ``routes.ROUTERS`` and the
navigation entry to ``layout.NAV``. See templates/console/forms.html for the form macros.
"""
