// Switchboard: small behaviour shared by every page (no build step).
(function () {
  "use strict";

  // Conflicts (409) and rejected forms (400/422) carry HTML meant for the page: swap them in.
  if (window.htmx) {
    htmx.config.responseHandling.unshift(
      { code: "409", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "400", swap: true, error: false }
    );
  }

  // Weight sliders (settings and what-if) that renormalise to 100% as one moves: the others keep
  // their proportions, rounding goes to the largest, and each shows its number.
  function renormalise(moved) {
    var sliders = Array.prototype.slice.call(moved.closest("fieldset").querySelectorAll("input[type=range]"));
    var others = sliders.filter(function (s) { return s !== moved; });
    var rest = 100 - (parseInt(moved.value, 10) || 0);
    var sum = others.reduce(function (acc, s) { return acc + (parseInt(s.value, 10) || 0); }, 0);
    others.forEach(function (s) {
      var share = sum > 0 ? (parseInt(s.value, 10) || 0) / sum : 1 / others.length;
      s.value = Math.round(rest * share);
    });
    var total = sliders.reduce(function (acc, s) { return acc + parseInt(s.value, 10); }, 0);
    if (total !== 100 && others.length) {
      var biggest = others.reduce(function (a, b) { return parseInt(a.value, 10) >= parseInt(b.value, 10) ? a : b; });
      biggest.value = parseInt(biggest.value, 10) + (100 - total);
    }
    sliders.forEach(function (s) {
      var out = s.parentNode.querySelector("output");
      if (out) out.textContent = s.value + "%";
    });
  }

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast toast-" + (kind || "info");
    el.setAttribute("role", "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.classList.add("is-leaving"); }, 4000);
    setTimeout(function () { el.remove(); }, 4600);
  }
  window.Switchboard = { toast: toast, renormalise: renormalise };

  // Server-side messages fade out on their own.
  document.querySelectorAll("#toasts .toast").forEach(function (el) {
    setTimeout(function () { el.classList.add("is-leaving"); }, 5000);
    setTimeout(function () { el.remove(); }, 5600);
  });

  // Events sent with HX-Trigger by the views.
  var kinds = { ticketAssigned: "success", ticketConflict: "error", assignRejected: "error", assignmentRetried: "info" };
  Object.keys(kinds).forEach(function (name) {
    document.addEventListener(name, function (evt) { toast(evt.detail && evt.detail.message, kinds[name]); });
  });
  document.addEventListener("htmx:sendError", function () { toast("Connection lost, retrying…", "error"); });
  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : "";
    toast(status === 403 ? "Your role cannot do that." : "Something went wrong (" + status + ").", "error");
  });

  // Long candidate lists: the rest is one click away.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-action=more]");
    if (!button) return;
    var more = button.closest("table").querySelector("tbody.more");
    if (!more) return;
    var hidden = more.hasAttribute("hidden");
    if (hidden) more.removeAttribute("hidden"); else more.setAttribute("hidden", "");
    if (!button.dataset.labelMore) button.dataset.labelMore = button.textContent;
    button.textContent = hidden ? button.dataset.labelLess : button.dataset.labelMore;
  });

  // Buttons with data-confirm ask first.
  document.addEventListener("submit", function (evt) {
    var button = evt.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) evt.preventDefault();
  });

  // <select data-autosubmit> submits its form on change.
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.requestSubmit();
  });

  // The viewer's zone for the times the server renders (accounts/timezones.py): the browser's,
  // kept in a cookie; the next page uses it.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
    if (zone && current !== zone) document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  } catch (e) { /* no Intl: the desk's zone stays */ }

  // <time data-local="time|datetime|when" datetime="…"> is rendered in UTC by the server; show it
  // in the dispatcher's own time zone (the UTC value stays in the tooltip).
  var formats = {
    time: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
    datetime: { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
    when: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
  };
  function localTimes(root) {
    (root || document).querySelectorAll("time[data-local][datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      var format = formats[el.dataset.local];
      if (isNaN(when.getTime()) || !format) return;
      if (!el.title) el.title = el.textContent.trim();
      el.textContent = when.toLocaleString(undefined, format);
    });
  }
  document.addEventListener("htmx:afterSwap", function (evt) { localTimes(evt.target); });
  localTimes(document);
})();
