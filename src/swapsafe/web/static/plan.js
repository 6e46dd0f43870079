/* Plan page: tick / untick with a note without reloading; the progress bars follow.
   Uses swapsafe.post (CSRF header) and the JSON answer of the same form URL + ?format=json. */
(function () {
  "use strict";
  var root = document.getElementById("plan");
  if (!root || !window.swapsafe) return;

  function setText(el, text) { if (el) el.textContent = text; }

  function renderItem(item) {
    var row = document.getElementById("item-" + item.number);
    if (!row) return;
    row.className = "item state-" + item.state;
    var box = row.querySelector('[data-role="box"]');
    if (box) box.checked = item.done;
    var badge = row.querySelector('[data-role="state"]');
    if (badge) {
      badge.textContent = item.state_label;
      badge.className = "badge" + (item.done ? " good" : item.state === "overdue" ? " bad" : "");
    }
    setText(row.querySelector('[data-role="status"]'), item.status_text);
    setText(row.querySelector('[data-role="evidence"]'), item.evidence);
    setText(row.querySelector('[data-role="evidence-summary"]'),
      "Evidence (" + item.evidence_label + ")");
    var note = row.querySelector('[data-role="note"]');
    if (note) {
      note.hidden = !item.note;
      setText(note.querySelector("span"), item.note || "");
    }
    /* Tick only what is not done, untick only a tick by hand; evidence needs neither. */
    var shown = {
      '[data-action="tick"]': !item.done,
      '[data-action="untick"]': item.done_by === "manual",
      '[data-role="by-evidence"]': item.done_by === "evidence",
      'input[name="note"]': item.done_by !== "evidence",
    };
    Object.keys(shown).forEach(function (selector) {
      var el = row.querySelector(selector);
      if (el) el.hidden = !shown[selector];
    });
    var history = row.querySelector('[data-role="history"]');
    if (history) {
      while (history.firstChild) history.removeChild(history.firstChild);
      item.history.forEach(function (e) {
        var li = document.createElement("li");
        li.textContent = e.ts + " · " + e.action + " by " + e.actor + (e.note ? ": " + e.note : "");
        history.appendChild(li);
      });
    }
  }

  function renderProgress(progress) {
    var all = progress.overall;
    var bar = document.getElementById("progress-overall");
    if (bar) { bar.max = all.total; bar.value = all.done; }
    setText(document.getElementById("progress-overall-text"),
      all.done + "/" + all.total + " done (" + all.percent + "%)");
    progress.phases.forEach(function (p) {
      var pbar = document.getElementById("progress-phase-" + p.number);
      if (pbar) { pbar.max = p.total; pbar.value = p.done; }
      setText(document.getElementById("progress-phase-" + p.number + "-text"), p.done + "/" + p.total + " done");
    });
  }

  function render(data) {
    renderProgress(data.progress);
    data.items.forEach(renderItem);
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("tick-form")) return;
    ev.preventDefault();
    var submitter = ev.submitter;
    var url = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    var input = form.querySelector('input[name="note"]');
    var error = form.querySelector('[data-role="error"]');
    setText(error, "");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    window.swapsafe.post(url + "?format=json", { note: input ? input.value : "" })
      .then(function (response) {
        return response.json().catch(function () { return { error: "HTTP " + response.status }; })
          .then(function (data) {
            if (!response.ok || data.error) {
              setText(error, data.error || ("HTTP " + response.status));
              return;
            }
            render(data);
            if (input) input.value = "";
          });
      })
      .catch(function () { setText(error, "network error; try again"); })
      .then(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });
})();
