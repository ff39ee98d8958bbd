// The signature pad on the consent page.
//
// Pointer Events, so a mouse, a finger and a pen all draw the same way. The drawing is kept as
// SVG path data ("M x y L x y ...", absolute move and line commands only) in the 600 x 200 box
// the server expects, and written to a hidden field; the server reads it again and keeps only
// the commands and numbers. Ticking "cannot sign" clears and disables the pad, since the
// server takes one or the other.
(function () {
  "use strict";

  var WIDTH = 600;
  var HEIGHT = 200;
  var MIN_STEP = 1.5; // box units between kept points: enough detail, bounded size
  var MAX_POINTS = 4900; // the server refuses more than 5,000

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function clamp(value, top) {
    return Math.min(Math.max(value, 0), top);
  }

  function setUp(root) {
    var canvas = root.querySelector("canvas");
    var field = document.getElementById(root.dataset.field);
    var tick = document.getElementById(root.dataset.tick);
    var form = canvas.closest("form");
    var clearButton = form.querySelector("[data-clear]");
    var status = document.getElementById("signature-status");
    var context = canvas.getContext("2d");
    var strokes = readPath(field.value);
    var current = null;
    var pointer = null;

    function count() {
      return strokes.reduce(function (sum, stroke) { return sum + stroke.length; }, 0);
    }

    function toBox(event) {
      var rect = canvas.getBoundingClientRect();
      var x = ((event.clientX - rect.left) / rect.width) * WIDTH;
      var y = ((event.clientY - rect.top) / rect.height) * HEIGHT;
      return [round(clamp(x, WIDTH)), round(clamp(y, HEIGHT))];
    }

    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(rect.width * ratio));
      canvas.height = Math.max(1, Math.round(rect.height * ratio));
      redraw();
    }

    function redraw() {
      context.setTransform(canvas.width / WIDTH, 0, 0, canvas.height / HEIGHT, 0, 0);
      context.clearRect(0, 0, WIDTH, HEIGHT);
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111";
      strokes.forEach(drawStroke);
    }

    function drawStroke(stroke) {
      context.beginPath();
      context.moveTo(stroke[0][0], stroke[0][1]);
      stroke.slice(1).forEach(function (p) { context.lineTo(p[0], p[1]); });
      if (stroke.length === 1) context.lineTo(stroke[0][0] + 0.01, stroke[0][1]);
      context.stroke();
    }

    function sync() {
      field.value = strokes
        .map(function (stroke) {
          return "M " + stroke.map(function (p) { return p[0] + " " + p[1]; }).join(" L ");
        })
        .join(" ");
      var signed = strokes.length > 0;
      root.classList.toggle("signed", signed);
      status.textContent = signed ? "Signature drawn." : "Not signed yet.";
    }

    function add(event) {
      var point = toBox(event);
      var last = current[current.length - 1];
      if (Math.hypot(point[0] - last[0], point[1] - last[1]) < MIN_STEP) return;
      if (count() >= MAX_POINTS) return;
      current.push(point);
      context.beginPath();
      context.moveTo(last[0], last[1]);
      context.lineTo(point[0], point[1]);
      context.stroke();
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (pointer !== null || (tick && tick.checked) || event.button > 0) return;
      event.preventDefault();
      pointer = event.pointerId;
      try {
        canvas.setPointerCapture(event.pointerId);
      } catch (error) {
        // A pointer the browser no longer tracks cannot be captured; drawing still works.
      }
      current = [toBox(event)];
      strokes.push(current);
      redraw();
    });

    canvas.addEventListener("pointermove", function (event) {
      if (event.pointerId !== pointer || current === null) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      (events.length ? events : [event]).forEach(add);
    });

    function finish(event) {
      if (event.pointerId !== pointer) return;
      // A tap is a dot: two equal points, so it is a line the server accepts and draws.
      if (current && current.length === 1) current.push(current[0].slice());
      current = null;
      pointer = null;
      redraw();
      sync();
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    function clear() {
      strokes = [];
      current = null;
      pointer = null;
      redraw();
      sync();
    }
    clearButton.addEventListener("click", clear);

    if (tick) {
      tick.addEventListener("change", function () {
        if (tick.checked) clear();
        root.classList.toggle("disabled", tick.checked);
      });
      root.classList.toggle("disabled", tick.checked);
    }

    window.addEventListener("resize", fit);
    fit();
    sync();
  }

  // Path data written by this pad (after a form error) drawn again; anything else is dropped.
  function readPath(text) {
    var strokes = [];
    var parts = (text || "").trim().split(/\s+/);
    for (var i = 0; i < parts.length; ) {
      var command = parts[i];
      var x = parseFloat(parts[i + 1]);
      var y = parseFloat(parts[i + 2]);
      if ((command !== "M" && command !== "L") || isNaN(x) || isNaN(y)) return [];
      if (command === "M") strokes.push([]);
      if (!strokes.length) return [];
      strokes[strokes.length - 1].push([x, y]);
      i += 3;
    }
    return strokes;
  }

  document.querySelectorAll("[data-signature-pad]").forEach(setUp);
})();
