/* Review page keyboard shortcuts: 1 old better, 2 same, 3 new better, 4 both bad, s skip,
   n note, u undo, c system prompt. Each verdict is a normal form POST, saved at once by the
   server, which answers with the next pair and a "Saved" line: one key, one page load. */
(function () {
  "use strict";
  var form = document.getElementById("verdict-form");
  var undo = document.getElementById("undo-form");
  var note = document.getElementById("note");
  var pair = document.getElementById("pair");
  var busy = false;
  var draftKey = pair ? "swapsafe-note:" + pair.getAttribute("data-pair") : null;

  if (note && draftKey) {
    try { note.value = window.localStorage.getItem(draftKey) || ""; } catch (e) { /* storage off */ }
    note.addEventListener("input", function () {
      try { window.localStorage.setItem(draftKey, note.value); } catch (e) { /* storage off */ }
    });
  }

  function submitWith(button) {
    if (busy || !form) return;
    busy = true;
    try { if (draftKey) window.localStorage.removeItem(draftKey); } catch (e) { /* storage off */ }
    form.requestSubmit(button);
  }

  var submitted = false;
  if (form) {
    form.addEventListener("submit", function (ev) {
      if (submitted) { ev.preventDefault(); return; }  /* one verdict per page view */
      submitted = true;
      busy = true;
      try { if (draftKey) window.localStorage.removeItem(draftKey); } catch (e) { /* storage off */ }
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    var key = ev.key.toLowerCase();
    if (key === "n" && note) {
      ev.preventDefault();
      note.focus();
      return;
    }
    if (key === "c") {
      var system = document.getElementById("system") || document.getElementById("earlier");
      if (system) { ev.preventDefault(); system.open = !system.open; }
      return;
    }
    if (key === "u" && undo) {
      ev.preventDefault();
      if (!busy) { busy = true; undo.requestSubmit(); }
      return;
    }
    if (!form) return;
    var button = form.querySelector('button[data-key="' + key + '"]');
    if (button) {
      ev.preventDefault();
      submitWith(button);
    }
  });
})();
