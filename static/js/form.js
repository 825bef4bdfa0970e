/* The application form: one submission per click (the server also ignores a resent form), and the error
 * summary, if any, takes the focus so that a screen reader reads it first. */
(function () {
  "use strict";
  var form = document.querySelector(".application-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      var buttons = this.querySelectorAll("[data-once]"), pressed = e.submitter;
      if (!buttons.length) return;
      if (buttons[0].disabled) { e.preventDefault(); return; }
      setTimeout(function () {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
        if (pressed && pressed.hasAttribute("data-once")) {
          pressed.textContent = pressed.value === "draft" ? "正在暂存…" : "正在提交，请稍候…";
        }
      }, 0);
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
