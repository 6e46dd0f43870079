/* Review results: "select every pair that can be added" ticks each row's checkbox. */
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll("#reviewed input.pick");
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
})();
