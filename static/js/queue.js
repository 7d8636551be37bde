// The queue: selection and keyboard shortcuts, expanding rows, live SLA countdowns,
// what-if sliders that renormalise, and keeping state across the 5 s polling swaps.
(function () {
  "use strict";

  var Queue = (window.Queue = window.Queue || {});
  var selectedId = null;
  var known = null; // ticket ids seen so far (null until the first render)

  function $(sel, root) { return (root || document).querySelector(sel); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody.ticket")); }
  function current() { return selectedId ? document.getElementById("t-" + selectedId) : null; }
  function detailOf(tb) { return tb && tb.querySelector(".detail"); }
  function isOpen(tb) { var d = detailOf(tb); return !!(d && d.childElementCount); }

  function select(tb, scroll) {
    rows().forEach(function (r) { r.classList.remove("is-selected"); });
    if (!tb) { selectedId = null; return; }
    tb.classList.add("is-selected");
    selectedId = tb.dataset.ticket;
    acknowledge(selectedId);
    if (scroll !== false) tb.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function move(delta) {
    var rs = rows();
    if (!rs.length) return;
    var i = rs.indexOf(current());
    i = i < 0 ? 0 : Math.max(0, Math.min(rs.length - 1, i + delta));
    select(rs[i]);
  }

  function markOpen(tb, open) {
    var button = tb.querySelector(".toggle");
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    tb.classList.toggle("is-open", open);
  }

  function expand(tb) {
    if (!tb) return Promise.resolve();
    if (isOpen(tb)) return Promise.resolve();
    markOpen(tb, true);
    return htmx.ajax("GET", tb.dataset.detailUrl, { target: detailOf(tb), swap: "innerHTML" });
  }

  function collapse(tb) {
    var d = detailOf(tb);
    if (d) d.innerHTML = "";
    markOpen(tb, false);
  }

  function toggle(tb) { if (isOpen(tb)) collapse(tb); else expand(tb); }

  function approve(tb) {
    var button = tb && tb.querySelector("[data-action=approve]");
    if (button) { button.click(); return; }
    expand(tb);
    window.Switchboard && Switchboard.toast("No suggestion to approve yet: showing the candidates.", "info");
  }

  function override(tb, techId) {
    return expand(tb).then(function () {
      var form = tb.querySelector(".override-form");
      if (!form) return;
      var sel = form.querySelector("select[name=technician_id]");
      if (techId) {
        if (!sel.querySelector('option[value="' + CSS.escape(techId) + '"]')) {
          var opt = document.createElement("option");
          opt.value = techId;
          opt.textContent = techId;
          sel.appendChild(opt);
        }
        sel.value = techId;
        form.querySelector("textarea[name=reason]").focus();
      } else {
        sel.focus();
      }
      form.scrollIntoView({ block: "nearest" });
    });
  }

  function whatif(tb) {
    // Request the what-if into its slot rather than clicking the link: right after an expand
    // htmx has not processed the new link yet, and a click would leave the queue for its href.
    return expand(tb).then(function () {
      var link = tb.querySelector("[data-action=whatif]");
      if (!link) return;
      return htmx.ajax("GET", link.getAttribute("hx-get"), { source: link, target: link.getAttribute("hx-target"), swap: "innerHTML" });
    });
  }

  // Polling pauses while someone types, drags a slider or reads the help.
  Queue.canPoll = function () {
    if (document.hidden) return false;
    if (document.querySelector("dialog[open]")) return false;
    var a = document.activeElement;
    if (a && a.closest && a.closest("#queue-live") && a.matches("input:not([type=checkbox]), textarea, select")) return false;
    return !document.querySelector("#queue-live .htmx-request, #queue-live.htmx-request[data-busy]");
  };

  // The filters each render of the live part was made for (read from its request's URL, which
  // carries them: the filter form's own requests and the poll alike). Rows that appear because
  // they changed are not arrivals, whichever request brought them (Esc in the search box both
  // sends the old text on blur and clears it: two requests, answered in their order).
  var shownFor = null;
  function filterKey(url) {
    var form = document.getElementById("queue-filters");
    if (!form || !url) return null;
    var search = new URL(url, location.href).searchParams;
    var names = [];
    Array.prototype.forEach.call(form.elements, function (e) { if (e.name && names.indexOf(e.name) < 0) names.push(e.name); });
    return names.map(function (n) { return n + "=" + search.getAll(n).join(","); }).join("&");
  }

  function afterRender(url) {
    var rs = rows();
    var ids = new Set(rs.map(function (r) { return r.dataset.ticket; }));
    var asked = filterKey(url);
    if (asked !== null) {
      if (shownFor !== null && asked !== shownFor) filtering = true;
      shownFor = asked;
    }
    var arrivals = [];
    rs.forEach(function (r) {
      markOpen(r, isOpen(r));
      // Rows a filter or sort change brings into view are not arrivals.
      if (known && !filtering && !known.has(r.dataset.ticket)) { r.classList.add("is-new"); arrivals.push(r); }
    });
    known = ids;
    filtering = false;
    if (selectedId && !document.getElementById("t-" + selectedId)) selectedId = null;
    if (current()) select(current(), false);
    tick();
    alertArrivals(arrivals);
    alertRisk();
    countSelected();
  }

  // ---------------------------------------------------------------- breach alerts
  // A toast (the #toasts region is aria-live polite) and a count in the tab title for a ticket that
  // arrives, or that comes into SLA risk (the countdown's own rule: orange or red). Each ticket is
  // alerted once per kind in this tab (remembered in sessionStorage, so polls and reloads do not
  // repeat it); the count goes down when the ticket is selected or leaves the queue.
  var ALERTS_KEY = "switchboard.queue.alerts";
  var filtering = false;
  var alerts = loadAlerts(); // ticket id -> {"new": 1, "risk": 1, "open": 1 while unacknowledged}
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");

  function loadAlerts() {
    try { return JSON.parse(sessionStorage.getItem(ALERTS_KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function saveAlerts() {
    var ids = Object.keys(alerts);
    if (ids.length > 2000) ids.slice(0, ids.length - 2000).forEach(function (id) { delete alerts[id]; });
    try { sessionStorage.setItem(ALERTS_KEY, JSON.stringify(alerts)); } catch (e) { /* private mode: memory only */ }
  }
  function label(tb) {
    var link = tb.querySelector(".ticket-link");
    var subject = tb.querySelector(".subject");
    return (link ? link.textContent.trim() : "#" + tb.dataset.ticket) + (subject ? " " + subject.textContent.trim() : "");
  }
  function raise(id, kind) {
    var a = alerts[id] || (alerts[id] = {});
    if (a[kind]) return false;
    a[kind] = 1;
    a.open = 1;
    return true;
  }
  function acknowledge(id) {
    if (id && alerts[id] && alerts[id].open) { delete alerts[id].open; saveAlerts(); updateTitle(); }
  }
  function say(list, one, many, kind) {
    if (!list.length || !window.Switchboard) return;
    var names = list.slice(0, 3).map(label).join("; ") + (list.length > 3 ? "; and " + (list.length - 3) + " more" : "");
    Switchboard.toast((list.length === 1 ? one : list.length + " " + many) + ": " + names, kind);
  }
  function atRisk(r) {
    var sla = r.querySelector("time.sla");
    return !!sla && (sla.classList.contains("sla-risk") || sla.classList.contains("sla-breached"));
  }
  function alertArrivals(arrivals) {
    var fresh = arrivals.filter(function (r) { return !r.classList.contains("is-assigned") && raise(r.dataset.ticket, "new"); });
    // One toast per arrival: one that is already at risk says so (and is not announced again for it).
    var urgent = fresh.filter(function (r) { return atRisk(r) && raise(r.dataset.ticket, "risk"); });
    say(fresh.filter(function (r) { return urgent.indexOf(r) < 0; }), "New ticket", "new tickets", "info");
    say(urgent, "New ticket about to breach its SLA", "new tickets about to breach their SLA", "warning");
    if (fresh.length) { saveAlerts(); updateTitle(); }
  }
  function alertRisk() {
    var risky = rows().filter(function (r) {
      if (r.classList.contains("is-assigned") || !atRisk(r)) return false;
      return raise(r.dataset.ticket, "risk");
    });
    say(risky, "About to breach its SLA", "tickets about to breach or past their SLA", "warning");
    if (risky.length) saveAlerts();
    updateTitle();
  }
  function updateTitle() {
    var inQueue = new Set(rows().filter(function (r) { return !r.classList.contains("is-assigned"); })
      .map(function (r) { return r.dataset.ticket; }));
    var n = Object.keys(alerts).filter(function (id) { return alerts[id].open && inQueue.has(id); }).length;
    var title = (n ? "(" + n + ") " : "") + baseTitle;
    if (document.title !== title) document.title = title;
  }
  Queue.alerts = function () { return alerts; };

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.closest && elt.closest("#queue-filters, thead")) filtering = true;
  });

  // ---------------------------------------------------------------- bulk selection

  function countSelected() {
    var n = document.querySelectorAll("#queue-table input.row-select:checked").length;
    var out = document.getElementById("bulk-count");
    if (out) out.textContent = String(n);
  }
  function toggleSelected(tb) {
    var box = tb && tb.querySelector("input.row-select");
    if (!box) { window.Switchboard && Switchboard.toast("No suggestion to approve on this row.", "info"); return; }
    box.checked = !box.checked;
    countSelected();
  }
  document.addEventListener("change", function (evt) {
    var t = evt.target;
    if (t.matches && t.matches("[data-action=select-all]")) {
      document.querySelectorAll("#queue-table input.row-select").forEach(function (b) { b.checked = t.checked; });
    }
    if (t.matches && t.matches("#queue-table input[type=checkbox]")) countSelected();
  });
  document.addEventListener("bulkApproved", function () {
    document.querySelectorAll("#queue-table input.row-select:checked").forEach(function (b) { b.checked = false; });
    countSelected();
    var title = document.getElementById("bulk-result-title");
    if (title) title.focus();
  });

  // ---------------------------------------------------------------- technician board

  var BOARD_KEY = "switchboard.queue.boardHidden";
  function showBoard(show) {
    var layout = document.getElementById("queue-layout");
    var button = document.querySelector("[data-action=board-toggle]");
    if (!layout || !button) return;
    layout.classList.toggle("board-hidden", !show);
    button.setAttribute("aria-expanded", show ? "true" : "false");
    button.textContent = show ? "Hide" : "Show";
    try { localStorage.setItem(BOARD_KEY, show ? "" : "1"); } catch (e) { /* ignore */ }
  }
  try { if (localStorage.getItem(BOARD_KEY)) showBoard(false); } catch (e) { /* ignore */ }

  // ---------------------------------------------------------------- SLA countdowns

  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 3600) return Math.floor(seconds / 60) + "m " + String(seconds % 60).padStart(2, "0") + "s";
    if (seconds < 86400) return Math.floor(seconds / 3600) + "h " + String(Math.floor((seconds % 3600) / 60)).padStart(2, "0") + "m";
    return Math.floor(seconds / 86400) + "d " + Math.floor((seconds % 86400) / 3600) + "h";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.sla[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      var created = Date.parse(el.dataset.created || el.dataset.due);
      var left = (due - now) / 1000;
      var windowS = Math.max((due - created) / 1000, 1);
      var state = left < 0 ? "breached" : left < Math.max(1800, windowS * 0.25) ? "risk" : "ok";
      el.textContent = left < 0 ? "−" + fmt(-left) : fmt(left);
      el.classList.remove("sla-ok", "sla-risk", "sla-breached");
      el.classList.add("sla-" + state);
      el.title = (left < 0 ? "SLA breached " : "SLA due ") + new Date(due).toLocaleString();
    });
  }
  var ticks = 0;
  setInterval(function () { tick(); if (++ticks % 5 === 0) alertRisk(); }, 1000);

  // ---------------------------------------------------------------- what-if sliders

  function renormalise(moved) { window.Switchboard.renormalise(moved); }  // one for every page: app.js

  // ---------------------------------------------------------------- events

  document.addEventListener("input", function (evt) {
    if (evt.target.matches("fieldset.weights input[type=range]")) renormalise(evt.target);
  });

  document.addEventListener("click", function (evt) {
    var t = evt.target;
    var action = t.closest("[data-action]");
    var tb = t.closest("tbody.ticket");
    if (tb) select(tb, false);
    if (!action) {
      // A click on the row itself (not a link, button or field) toggles it.
      if (tb && t.closest("tr.row") && !t.closest("a, button, input, select, textarea, label, form")) toggle(tb);
      return;
    }
    switch (action.dataset.action) {
      case "toggle": evt.preventDefault(); toggle(tb); break;
      case "help": evt.preventDefault(); $("#shortcuts").showModal(); break;
      case "choose": evt.preventDefault(); chooseFrom(action); break;
      case "board-toggle": evt.preventDefault(); showBoard(action.getAttribute("aria-expanded") !== "true"); break;
      case "bulk-close": evt.preventDefault(); var panel = document.getElementById("bulk-panel"); if (panel) panel.innerHTML = ""; break;
    }
  });

  function chooseFrom(button) {
    var tb = button.closest("tbody.ticket");
    var techId = button.dataset.tech;
    if (tb) { override(tb, techId); return; }
    // The ticket page (no queue row): the override form is in the same panel.
    var inner = button.closest(".detail-inner") || document;
    var form = inner.querySelector(".override-form");
    if (!form) return;
    var sel = form.querySelector("select[name=technician_id]");
    sel.value = techId;
    form.querySelector("textarea[name=reason]").focus();
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    var t = evt.target;
    var typing = t.matches && t.matches("input, textarea, select, [contenteditable]");
    if (evt.key === "Escape") {
      if (typing) t.blur();
      return;
    }
    if (typing) return;
    var tb = current();
    var onControl = t.matches && t.matches("a, button, summary");
    switch (evt.key) {
      case "j": evt.preventDefault(); move(1); break;
      case "k": evt.preventDefault(); move(-1); break;
      case "Enter":
      case " ":
        if (onControl || !tb) return;
        evt.preventDefault(); toggle(tb); break;
      case "a": if (tb) { evt.preventDefault(); approve(tb); } break;
      case "o": if (tb) { evt.preventDefault(); override(tb); } break;
      case "w": if (tb) { evt.preventDefault(); whatif(tb); } break;
      case "x": if (tb) { evt.preventDefault(); toggleSelected(tb); } break;
      case "/": evt.preventDefault(); var q = $("#id_q"); if (q) { q.focus(); q.select(); } break;
      case "?": evt.preventDefault(); var d = $("#shortcuts"); if (d) d.showModal(); break;
    }
  });

  document.addEventListener("ticketAssigned", function (evt) {
    var id = evt.detail && String(evt.detail.ticket);
    if (id && id === selectedId) {
      var rs = rows();
      var i = rs.indexOf(current());
      var next = rs[i + 1] || rs[i - 1];
      if (next) select(next);
    }
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    var target = evt.detail.target;
    if (!target) return;
    // the whole live part (filters, poll): its URL says which filters it shows; a row alone: none
    if (target.id === "queue-live") afterRender(evt.detail.xhr && evt.detail.xhr.responseURL);
    else if (target.closest("#queue-live")) afterRender(null);
  });

  document.addEventListener("DOMContentLoaded", function () { afterRender(location.href); });
  if (document.readyState !== "loading") afterRender(location.href);
})();
