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
  window.swapsafe = { csrf: csrf, post: post };
})();
