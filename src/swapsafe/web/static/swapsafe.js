/* swapsafe web UI: tiny shared helpers (no dependencies, no network beyond this origin). */
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  /* POST form-encoded data with the CSRF header; resolves to the Response. */
  function post(url, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
  }
  /* <form data-confirm="Really?"> asks before submitting. */
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      ev.preventDefault();
    }
  });
  /* <button data-copy="command"> copies the command and says so. */
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = "Copied";
    });
  });
  window.swapsafe = { csrf: csrf, post: post };
})();
