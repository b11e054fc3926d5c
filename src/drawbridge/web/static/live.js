// drawbridge: live recompute of a draft pay application.
// As figures are typed, the form is posted to the server, which runs the billing engine without
// saving and answers with every figure already formatted; this script only puts the text in
// place. It does no arithmetic. Without it the page still works: "Recompute without saving".
(function () {
  "use strict";
  var form = document.getElementById("lines-form");
  if (!form) { return; }
  var url = form.getAttribute("data-preview");
  var status = document.getElementById("live-status");
  var liveError = document.getElementById("live-error");
  var timer = null;
  var sequence = 0;

  function show(answer) {
    Object.keys(answer.texts || {}).forEach(function (key) {
      var cells = document.querySelectorAll('[data-fig="' + key + '"]');
      for (var i = 0; i < cells.length; i++) { cells[i].textContent = answer.texts[key]; }
    });
    Object.keys(answer.inputs || {}).forEach(function (id) {
      var input = document.getElementById(id);
      if (input && input !== document.activeElement) { input.value = answer.inputs[id]; }
    });
    var rows = form.querySelectorAll("tr[data-line]");
    for (var i = 0; i < rows.length; i++) {
      var id = rows[i].getAttribute("data-line");
      var flag = (answer.flags || {})[id];
      rows[i].classList.toggle("over-error", flag === "error");
      rows[i].classList.toggle("over-warning", flag === "warning");
      var label = rows[i].querySelector("[data-flag]");
      if (label) {
        label.hidden = !flag;
        label.textContent = flag === "error" ? "Over-billed: beyond the scheduled value" : "Over-billed";
      }
    }
    liveError.hidden = !answer.error;
    if (answer.error) { liveError.textContent = answer.error; }
    status.textContent = answer.error ? "" : "Recomputed: current payment due " + answer.current_payment_due + " (not saved)";
  }

  function recompute() {
    var mine = ++sequence;
    var body = new URLSearchParams(new FormData(form));
    status.textContent = "Recomputing…";
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") !== 0) {  // a page: signed out, or refused
          return { error: "The figures could not be recomputed (status " + response.status +
                          "): reload the page, signing in again if asked." };
        }
        return response.json();
      })
      .then(function (answer) {
        if (mine !== sequence) { return; }  // a newer edit is on its way
        if (answer.texts) { show(answer); return; }
        liveError.hidden = false;
        liveError.textContent = answer.error || "The figures could not be recomputed.";
        status.textContent = "";
      })
      .catch(function () { status.textContent = "Could not reach the server to recompute."; });
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("live")) { return; }
    // Typing an amount for this period replaces a percent typed before on the same line.
    if (target.id.indexOf("e-") === 0) {
      var percent = document.getElementById("p-" + target.id.slice(2));
      if (percent) { percent.value = ""; }
    }
    clearTimeout(timer);
    timer = setTimeout(recompute, 250);
  });
})();
