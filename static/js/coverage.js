// coverage: dashboard charts (ECharts) and small behaviours; data comes from json_script.
(function () {
  "use strict";

  function percent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  function drawCharts() {
    var dataNode = document.getElementById("coverage-chart-data");
    if (!dataNode || typeof echarts === "undefined") return;
    var data = JSON.parse(dataNode.textContent);
    var bar = document.getElementById("coverage-bar");
    if (bar) {
      var barChart = echarts.init(bar);
      barChart.setOption({
        tooltip: { trigger: "axis", valueFormatter: percent },
        legend: { top: 0 },
        grid: { left: 50, right: 10, bottom: 60, top: 40 },
        xAxis: { type: "category", data: data.places, axisLabel: { rotate: 30 } },
        yAxis: { type: "value", max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
        series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
      });
      bar.dataset.rendered = "true";
      window.addEventListener("resize", function () { barChart.resize(); });
    }
    var trend = document.getElementById("coverage-trend");
    if (trend) {
      var trendChart = echarts.init(trend);
      trendChart.setOption({
        tooltip: { trigger: "axis", valueFormatter: percent },
        legend: { top: 0 },
        grid: { left: 50, right: 10, bottom: 40, top: 40 },
        xAxis: { type: "time" },
        yAxis: { type: "value", max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
        series: data.trend.series.map(function (s) { return { name: s.name, type: "line", showSymbol: true, data: s.data }; })
      });
      trend.dataset.rendered = "true";
      window.addEventListener("resize", function () { trendChart.resize(); });
    }
  }

  function wire() {
    document.querySelectorAll(".coverage-autosubmit").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    document.querySelectorAll(".coverage-print").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
    drawCharts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
