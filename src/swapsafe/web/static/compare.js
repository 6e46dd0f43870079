/* Comparison grid keys: j / k move between rows, Enter (or o) opens the row's diff,
   / focuses the search box, [ and ] go to the previous / next page. Rows are plain links too. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("#grid tbody tr[data-href]"));
  var at = rows.indexOf(document.getElementById("deep"));

  function focus(i) {
    if (!rows.length) return;
    if (at >= 0) rows[at].classList.remove("focus");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("focus");
    rows[at].scrollIntoView({ block: "nearest" });
  }
  if (at >= 0) focus(at);

  function go(id) {
    var link = document.getElementById(id);
    if (link) window.location.href = link.getAttribute("href");
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    if (ev.key === "j") { ev.preventDefault(); focus(at + 1); }
    else if (ev.key === "k") { ev.preventDefault(); focus(at - 1); }
    else if ((ev.key === "Enter" || ev.key === "o") && at >= 0) {
      ev.preventDefault();
      window.location.href = rows[at].getAttribute("data-href");
    }
    else if (ev.key === "/") {
      var search = document.getElementById("grid-search");
      if (search) { ev.preventDefault(); search.focus(); }
    }
    else if (ev.key === "[") { go("prev"); }
    else if (ev.key === "]") { go("next"); }
  });
})();
