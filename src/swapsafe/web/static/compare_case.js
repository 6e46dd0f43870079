/* One case of the comparison grid: b goes back to the grid, at this case's row. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.key !== "b") return;
    var back = document.getElementById("back-to-grid");
    if (back) { ev.preventDefault(); window.location.href = back.getAttribute("href"); }
  });
})();
