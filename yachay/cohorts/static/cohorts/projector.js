/* The projector page (cohorts/session_code.html): swaps in each new check-in code and its QR
 * code as they change, without reloading the page, and offers full screen.
 *
 * A <meta http-equiv=refresh> would reload the whole page every 45 seconds, taking focus and a
 * screen reader's place with it (WCAG 2.2.1, 3.2.5). Without JavaScript the page still works:
 * it says when the code changes and has an "Actualizar" link. No inline script: this file
 * keeps working under a strict Content-Security-Policy.
 */
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root || !window.fetch || !window.JSON) return;

  var url = root.getAttribute("data-refresh-url");
  var part = function (name) { return root.querySelector("[data-" + name + "]"); };
  var code = part("code"), qr = part("qr"), left = part("left"), changes = part("changes-at"),
    attended = part("attended"), full = part("fullscreen");
  var deadline = 0, timer = 0;

  function tick() {
    if (left) left.textContent = String(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
  }

  function schedule(seconds) {
    deadline = Date.now() + seconds * 1000;
    window.clearTimeout(timer);
    // A moment after the change, so the server is surely in the new period.
    timer = window.setTimeout(refresh, seconds * 1000 + 300);
    tick();
  }

  function show(now) {
    // Only touch what changed: the code sits in a polite live region.
    if (code.textContent !== now.code) code.textContent = now.code;
    qr.innerHTML = now.qr_svg; // SVG drawn by the server (segno) from the code, not user input
    if (changes) {
      changes.textContent = now.changes_at;
      changes.setAttribute("datetime", now.changes_at_iso);
    }
    if (attended) attended.textContent = now.attended_text;
    schedule(now.seconds_left);
  }

  function refresh() {
    window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(show)
      .catch(function () { schedule(5); }); // a dropped connection: try again shortly
  }

  schedule(Number(root.getAttribute("data-seconds-left")) || 1);
  window.setInterval(tick, 1000);

  if (full && document.fullscreenEnabled && root.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else root.requestFullscreen().catch(function () { /* refused: stay as we are */ });
    });
    document.addEventListener("fullscreenchange", function () {
      var on = document.fullscreenElement === root;
      full.textContent = full.getAttribute(on ? "data-exit" : "data-enter");
    });
  }
})();
