// Metrics charts (Chart.js, vendored in static/vendor). Data comes from json_script.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var css = getComputedStyle(document.documentElement);
  function v(name, fallback) { return (css.getPropertyValue(name) || fallback).trim(); }
  var colors = {
    primary: v("--c-primary", "#2457c5"), secondary: v("--c-skill", "#3b82f6"), warn: v("--c-warn", "#b45309"),
    bad: v("--c-bad", "#b91c1c"), ok: v("--c-ok", "#15803d"), muted: v("--c-muted", "#6b7280"), grid: v("--c-border", "#e5e7eb"),
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = v("--c-text-2", "#374151");
  Chart.defaults.borderColor = colors.grid;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function make(id, config) {
    var el = document.getElementById(id);
    if (el) new Chart(el, config);
  }

  make("chart-per-tech", {
    type: "bar",
    data: {
      labels: data.per_tech.labels,
      datasets: [
        { label: "Assignments", data: data.per_tech.assignments, backgroundColor: colors.primary },
        { label: "Estimated hours", data: data.per_tech.hours, backgroundColor: v("--c-workload", "#f59e0b") },
        { label: "Resolved (history)", data: data.per_tech.resolved, backgroundColor: colors.secondary },
      ],
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false } } } },
  });

  make("chart-dispatch", {
    type: "line",
    data: { labels: data.dispatch.labels, datasets: [{ label: "Median minutes", data: data.dispatch.median, borderColor: colors.primary, backgroundColor: colors.primary, tension: 0.2 }] },
    options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
  });

  // Each bar carries its n; bars on fewer than small_n decisions are faded (too few to read much into).
  make("chart-override", {
    type: "bar",
    data: {
      labels: data.override.labels,
      datasets: [{
        label: "Override rate %", data: data.override.rate,
        backgroundColor: data.override.n.map(function (n) { return n < data.override.small_n ? colors.warn + "40" : colors.warn; }),
      }],
    },
    options: {
      indexAxis: "y", scales: { x: { beginAtZero: true, max: 100 }, y: { ticks: { autoSkip: false, font: { size: 11 } } } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (ctx) { return ctx.parsed.x + "% (n=" + data.override.n[ctx.dataIndex] + ")"; } } },
      },
    },
  });

  make("chart-history", {
    type: "bar",
    data: {
      labels: data.history.labels,
      datasets: [
        { type: "bar", label: "Resolved", data: data.history.resolved, backgroundColor: colors.secondary, yAxisID: "y" },
        { type: "line", label: "Median resolution (h)", data: data.history.median_hours, borderColor: colors.warn, backgroundColor: colors.warn, tension: 0.2, yAxisID: "h" },
      ],
    },
    options: { scales: { y: { beginAtZero: true, position: "left" }, h: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } },
  });

  make("chart-sla", {
    type: "bar",
    data: {
      labels: data.sla.labels,
      datasets: [
        { label: "Unassigned", data: data.sla.unassigned, backgroundColor: [colors.bad, colors.warn, colors.ok, colors.muted] },
        { label: "Assigned", data: data.sla.assigned, backgroundColor: ["#fca5a5", "#fcd34d", "#86efac", "#d1d5db"] },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });

  var statusColors = { approved: colors.ok, overridden: colors.warn, auto_assigned: colors.primary, suggested: "#93c5fd", shadow: "#a78bfa", failed: colors.bad };
  make("chart-per-day", {
    type: "bar",
    data: {
      labels: data.per_day.labels,
      datasets: Object.keys(data.per_day.series).map(function (status) {
        return { label: status.replace("_", " "), data: data.per_day.series[status], backgroundColor: statusColors[status] || colors.muted };
      }),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });
})();
