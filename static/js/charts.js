/* Thước đo — dashboard charts, drawn with the vendored Chart.js from data the page embeds in
 * <script type="application/json" id="chart-data"> (no inline script, so a strict CSP holds).
 * Every chart has a table fallback in the page; the canvases carry an aria-label. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: reduceMotion ? false : { duration: 300 },
    plugins: { legend: { display: true, position: "bottom" } }
  };

  function percentTicks(min) {
    return { min: min, max: 100, ticks: { callback: function (v) { return v + "%"; } } };
  }

  function lowest(values, fallback) {
    var present = values.filter(function (v) { return v !== null && v !== undefined; });
    if (!present.length) { return fallback; }
    return Math.max(0, Math.floor((Math.min.apply(null, present) - 5) / 10) * 10);
  }

  var dims = document.getElementById("chart-dimensions");
  if (dims && data.dimensions) {
    var d = data.dimensions;
    new window.Chart(dims, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [{ label: data.method, data: d.values, backgroundColor: "#9b1c1c", borderRadius: 4 }]
      },
      options: Object.assign({}, common, {
        indexAxis: "y",
        scales: { x: percentTicks(lowest(d.low.concat(d.values), 50)) },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var i = ctx.dataIndex;
                if (ctx.raw === null) { return "—"; }
                return ctx.raw.toFixed(1) + "% (" + (d.low[i] || 0).toFixed(1) + "–" + (d.high[i] || 0).toFixed(1) + ")";
              }
            }
          }
        }
      })
    });
  }

  var trend = document.getElementById("chart-trend");
  if (trend && data.trend) {
    var t = data.trend;
    var datasets = [{ label: t.unit_label, data: t.unit, borderColor: "#9b1c1c", backgroundColor: "#9b1c1c",
                      spanGaps: false, tension: 0.2, pointRadius: 3 }];
    if (t.city_label && t.city_label !== t.unit_label) {
      datasets.push({ label: t.city_label, data: t.city, borderColor: "#1a5fb4", backgroundColor: "#1a5fb4",
                      borderDash: [6, 4], spanGaps: false, tension: 0.2, pointRadius: 2 });
    }
    new window.Chart(trend, {
      type: "line",
      data: { labels: t.labels, datasets: datasets },
      options: Object.assign({}, common, { scales: { y: percentTicks(lowest(t.unit.concat(t.city), 50)) } })
    });
  }
})();
