// Keeps the interview questionnaire as a draft while the interviewer types: a second after the last change the
// form goes to its data-autosave URL, with the page's CSRF token. Without JavaScript the form still works: its
// submit button saves it too.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) return;
  var status = document.getElementById("autosave-status");
  var timer = null;
  var inFlight = null;

  function say(text) { if (status) status.textContent = text; }

  function save() {
    timer = null;
    var data = new FormData(form);
    var body = new URLSearchParams();
    data.forEach(function (value, key) { body.append(key, value); });
    inFlight = fetch(form.dataset.autosave, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": data.get("csrf_token"), "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (answer) {
      var at = new Date(answer.saved_at);
      var time = at.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
      say(form.dataset.savedText.replace("%s", time));
      form.dataset.saved = answer.saved_at;
    }).catch(function () {
      say(form.dataset.failedText);
    });
  }

  function changed() {
    if (timer) clearTimeout(timer);
    say(form.dataset.savingText);
    timer = setTimeout(save, 1000);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
