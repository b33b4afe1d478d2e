// cxpulse dashboard: small helpers, no inline script (the Content Security Policy forbids it).
(function () {
  "use strict";
  var lang = document.body.dataset.lang || "en";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // every htmx request carries the session's CSRF token
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf;
  });

  // a 422 from an htmx form carries the form again with the problem shown: swap it in
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });

  // a survey problem names its line: a click on it selects that line of the YAML editor
  document.addEventListener("click", function (e) {
    var problem = e.target.closest && e.target.closest(".field-error[data-line]");
    var editor = document.getElementById("survey-yaml");
    if (!problem || !editor || !problem.dataset.line) return;
    var lines = editor.value.split("\n"), n = parseInt(problem.dataset.line, 10) - 1, start = 0;
    for (var i = 0; i < n && i < lines.length; i++) start += lines[i].length + 1;
    editor.focus();
    editor.setSelectionRange(start, start + (lines[n] || "").length);
  });

  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]")) e.target.form.requestSubmit();
  });

  var fmt = function (v, digits) {
    if (v === null || v === undefined) return "–";
    return new Intl.NumberFormat(lang, { maximumFractionDigits: digits === undefined ? 1 : digits }).format(v);
  };

  function data(el) {
    var src = document.getElementById(el.dataset.source);
    return src ? JSON.parse(src.textContent) : null;
  }

  var renderers = {
    // {periods, value, low, high, n, unit}: the value and its confidence band
    trend: function (d) {
      var base = d.low.map(function (v) { return v === null ? null : v; });
      var band = d.high.map(function (v, i) { return v === null || d.low[i] === null ? null : v - d.low[i]; });
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v); } },
        grid: { left: 60, right: 20, top: 20, bottom: 40 },
        xAxis: { type: "category", data: d.periods, boundaryGap: false },
        yAxis: { type: "value", scale: true },
        series: [
          // stackStrategy "all": the band must sit on a negative lower bound too (the default
          // stacks only values of the same sign, which drew NPS bands from 0)
          { name: "low", type: "line", data: base, stack: "ci", stackStrategy: "all", lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
          { name: "interval", type: "line", data: band, stack: "ci", stackStrategy: "all", lineStyle: { opacity: 0 }, areaStyle: { color: "#9ec5fe", opacity: 0.5 }, symbol: "none", tooltip: { show: false } },
          { name: "value", type: "line", data: d.value, symbolSize: 6, lineStyle: { width: 2, color: "#0d6efd" }, itemStyle: { color: "#0d6efd" } }
        ]
      };
    },
    // {labels, series: [{name, values}]} : lines over periods
    lines: function (d) {
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v); } },
        legend: { top: 0 },
        grid: { left: 60, right: 20, top: 30, bottom: 40 },
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", scale: true },
        series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.values, symbolSize: 6 }; })
      };
    },
    // {labels, series: [{name, values}], stack?}: bars
    bars: function (d) {
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v); } },
        legend: { top: 0 },
        grid: { left: 60, right: 20, top: 30, bottom: 60 },
        xAxis: { type: "category", data: d.labels, axisLabel: { rotate: d.labels.length > 12 ? 45 : 0 } },
        yAxis: { type: "value" },
        series: d.series.map(function (s) { return { name: s.name, type: "bar", data: s.values, stack: d.stack ? "all" : undefined }; })
      };
    },
    // {x, y, values: [[xi, yi, v]]}: cohort retention and similar grids
    heatmap: function (d) {
      return {
        tooltip: { formatter: function (p) { return d.y[p.value[1]] + " · " + d.x[p.value[0]] + ": " + fmt(p.value[2]); } },
        grid: { left: 90, right: 20, top: 10, bottom: 70 },
        xAxis: { type: "category", data: d.x, splitArea: { show: true } },
        yAxis: { type: "category", data: d.y, inverse: true, splitArea: { show: true } },
        visualMap: { min: d.min === undefined ? 0 : d.min, max: d.max === undefined ? 100 : d.max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ type: "heatmap", data: d.values, label: { show: d.x.length <= 13, formatter: function (p) { return fmt(p.value[2], 0); } } }]
      };
    }
  };

  function draw(el) {
    var d = data(el);
    var render = renderers[el.dataset.chart];
    if (!d || !render || typeof echarts === "undefined") return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(render(d));
    // a click on a point opens what is behind it: data-drill="/feedback/responses?period={label}"
    if (el.dataset.drill) {
      chart.on("click", function (p) {
        var label = encodeURIComponent(p.name);
        var series = encodeURIComponent(p.seriesName || "");
        window.location.href = el.dataset.drill.replace("{label}", label).replace("{series}", series);
      });
    }
    el.dataset.drawn = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]:not([data-drawn])").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  document.addEventListener("htmx:afterSettle", function (e) { drawAll(e.target); });
  window.cxpulse = { drawAll: drawAll, renderers: renderers, fmt: fmt };
})();
