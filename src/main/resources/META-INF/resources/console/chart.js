'use strict';
/*
 * A small line chart for the console: a fixed window of the last N samples (one a second), one line per series,
 * y from zero to a rounded maximum. Drawn on a canvas at the device's pixel ratio; no dependencies.
 */
class MooringChart {
  constructor(canvas, series, capacity) {
    this.canvas = canvas;
    this.series = series;           // [{label, color}]
    this.capacity = capacity;       // samples kept, e.g. 60
    this.values = series.map(() => []);
  }

  /** Appends one sample (one number per series) and redraws. */
  push(sample) {
    sample.forEach((value, i) => {
      const line = this.values[i];
      line.push(Number.isFinite(value) ? value : 0);
      if (line.length > this.capacity) line.shift();
    });
    this.draw();
  }

  latest(i) {
    const line = this.values[i];
    return line.length ? line[line.length - 1] : 0;
  }

  /** The largest value in the window, over every series. */
  peak() {
    return Math.max(0, ...this.values.flat());
  }

  draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const g = this.canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const w = width / ratio, h = height / ratio;
    const left = 44, right = 6, top = 8, bottom = 16;
    const plotW = w - left - right, plotH = h - top - bottom;
    g.clearRect(0, 0, w, h);

    const max = niceCeiling(this.peak());
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'middle';
    g.fillStyle = '#5f6b7a';
    g.strokeStyle = '#e3e7ec';
    g.lineWidth = 1;
    for (let step = 0; step <= 4; step++) {
      const y = top + plotH - (plotH * step) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(left + plotW, Math.round(y) + 0.5);
      g.stroke();
      g.textAlign = 'right';
      g.fillText(formatTick((max * step) / 4), left - 4, y);
    }
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText('-' + this.capacity + ' s', left, h - 3);
    g.textAlign = 'right';
    g.fillText('now', left + plotW, h - 3);

    const dx = plotW / (this.capacity - 1);
    this.values.forEach((line, i) => {
      if (!line.length) return;
      g.strokeStyle = this.series[i].color;
      g.lineWidth = 1.6;
      g.beginPath();
      const offset = this.capacity - line.length;
      line.forEach((value, j) => {
        const x = left + (offset + j) * dx;
        const y = top + plotH - (max > 0 ? (value / max) * plotH : 0);
        if (j === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    });
  }
}

/**
 * 1, 2, 4 or 8 times a power of ten, at least the value (and at least 1, so an idle chart has a scale): quarters of
 * these are round numbers for the four grid lines.
 */
function niceCeiling(value) {
  if (value <= 1) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const m of [1, 2, 4, 8, 10]) {
    if (value <= m * power) return m * power;
  }
  return 10 * power;
}

function formatTick(value) {
  if (value >= 1000) return (value / 1000).toFixed(value % 1000 === 0 ? 0 : 1) + 'k';
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}
