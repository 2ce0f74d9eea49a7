// OpenSeal console: the little behaviour the pages need beyond htmx. No inline scripts.
(function () {
  "use strict";
  // A button with data-confirm="question" asks before its form is sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // htmx requests from a page carry the form's CSRF token as a header too.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('input[name="csrf_token"]');
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token.value;
    }
  });
})();
