// The hair correction editor (outcomes/image_detail.html). The detected hairs are drawn over the
// trichoscopy image; a tap or click on an empty spot adds a hair there, on a marker removes that
// hair (and on a removed one restores it). Mouse, finger and pen all arrive as Pointer Events.
// From the keyboard: focus the image, move the cross with the arrow keys (Shift: bigger steps),
// Enter adds a hair at the cross or removes the one under it; the list below the image has a
// button for every hair. "Save corrections" posts the indices removed and the points added.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const TAP_SLOP = 8; // screen pixels a pointer may move and still count as a tap

  function el(name, attrs) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attrs).forEach(([key, value]) => node.setAttribute(key, value));
    return node;
  }

  function setUp(root) {
    const svg = root.querySelector("svg");
    const layer = svg.querySelector("[data-markers]");
    const cross = svg.querySelector("[data-cross]");
    const form = document.getElementById(root.dataset.form);
    const list = document.getElementById(root.dataset.list);
    const status = document.getElementById(root.dataset.status);
    const counted = document.getElementById(root.dataset.count);
    const width = Number(root.dataset.width);
    const height = Number(root.dataset.height);
    const hairs = JSON.parse(document.getElementById(root.dataset.hairs).textContent);
    const removed = new Set();
    const added = [];
    const radius = Math.max(width, height) / 90; // hit and marker size, in image pixels
    const cursor = { x: width / 2, y: height / 2 };
    let down = null;
    let submitting = false;

    function changed() {
      return removed.size > 0 || added.length > 0;
    }

    function announce(text) {
      status.textContent = text;
    }

    function marker(hair, kind, key) {
      const group = el("g", { class: `hair ${kind}`, "data-key": key });
      const angle = ((hair.angle_deg || 0) * Math.PI) / 180;
      const half = Math.max(hair.length_px || 0, radius * 3) / 2;
      const dx = Math.cos(angle) * half;
      const dy = Math.sin(angle) * half;
      const line = { x1: hair.x - dx, y1: hair.y - dy, x2: hair.x + dx, y2: hair.y + dy };
      group.appendChild(el("line", Object.assign({ class: "hit" }, line)));
      // A hair added by hand has no measured shaft: it is drawn as a dot alone.
      if (kind !== "added" && !hair.added) group.appendChild(el("line", Object.assign({ class: "shaft" }, line)));
      group.appendChild(el("circle", { cx: hair.x, cy: hair.y, r: radius, class: "dot" }));
      return group;
    }

    function item(label, key, action) {
      const li = document.createElement("li");
      li.dataset.key = key;
      const text = document.createElement("span");
      text.textContent = label;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary small-button";
      button.textContent = action;
      button.dataset.key = key;
      li.append(text, " ", button);
      return li;
    }

    function render() {
      layer.replaceChildren();
      list.replaceChildren();
      hairs.forEach((hair, i) => {
        const kind = removed.has(i) ? "removed" : "detected";
        const group = marker(hair, kind, `h${i}`);
        if (hair.added) group.classList.add("manual");
        layer.appendChild(group);
        const where = `at ${Math.round(hair.x)}, ${Math.round(hair.y)}`;
        const label = `Hair ${i + 1} ${where}${hair.added ? " (added by hand)" : ""}${kind === "removed" ? " — removed" : ""}`;
        const li = item(label, `h${i}`, kind === "removed" ? "Restore" : "Remove");
        if (kind === "removed") li.classList.add("removed");
        list.appendChild(li);
      });
      added.forEach((point, j) => {
        layer.appendChild(marker(point, "added", `a${j}`));
        list.appendChild(item(`New hair at ${Math.round(point.x)}, ${Math.round(point.y)} (not saved)`, `a${j}`, "Remove"));
      });
      const total = hairs.length - removed.size + added.length;
      counted.textContent = String(total);
      form.elements.add.value = JSON.stringify(added.map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 })));
      form.elements.remove.value = JSON.stringify(Array.from(removed).sort((a, b) => a - b));
      form.querySelector("[data-pending]").textContent = changed()
        ? `${removed.size} removed, ${added.length} added, not saved yet.`
        : "No changes.";
    }

    function toggle(key) {
      if (key[0] === "a") {
        added.splice(Number(key.slice(1)), 1);
        announce("New hair taken away.");
      } else {
        const index = Number(key.slice(1));
        if (removed.has(index)) {
          removed.delete(index);
          announce(`Hair ${index + 1} restored.`);
        } else {
          removed.add(index);
          announce(`Hair ${index + 1} removed.`);
        }
      }
      render();
    }

    function add(x, y) {
      added.push({ x: Math.min(Math.max(x, 0), width), y: Math.min(Math.max(y, 0), height) });
      announce(`Hair added at ${Math.round(x)}, ${Math.round(y)}.`);
      render();
    }

    function toImage(event) {
      const point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      return point.matrixTransform(svg.getScreenCTM().inverse());
    }

    svg.addEventListener("pointerdown", (event) => {
      if (event.button > 0) return;
      const target = event.target.closest("g.hair");
      down = { x: event.clientX, y: event.clientY, key: target ? target.dataset.key : null, id: event.pointerId };
    });
    svg.addEventListener("pointercancel", () => {
      down = null; // the finger scrolled or zoomed the page instead
    });
    svg.addEventListener("pointerup", (event) => {
      if (!down || down.id !== event.pointerId) return;
      const moved = Math.hypot(event.clientX - down.x, event.clientY - down.y);
      const key = down.key;
      down = null;
      if (moved > TAP_SLOP) return;
      event.preventDefault();
      if (key) toggle(key);
      else {
        const at = toImage(event);
        add(at.x, at.y);
      }
    });

    function nearest(x, y) {
      let best = null;
      let bestDistance = radius * 1.5;
      layer.querySelectorAll("g.hair").forEach((group) => {
        const dot = group.querySelector("circle");
        const distance = Math.hypot(Number(dot.getAttribute("cx")) - x, Number(dot.getAttribute("cy")) - y);
        if (distance <= bestDistance) {
          best = group.dataset.key;
          bestDistance = distance;
        }
      });
      return best;
    }

    function moveCross() {
      cross.setAttribute("transform", `translate(${cursor.x} ${cursor.y})`);
    }

    svg.addEventListener("keydown", (event) => {
      const step = (event.shiftKey ? 10 : 1) * Math.max(width, height) / 100;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[event.key]) {
        cursor.x = Math.min(Math.max(cursor.x + moves[event.key][0], 0), width);
        cursor.y = Math.min(Math.max(cursor.y + moves[event.key][1], 0), height);
        moveCross();
        const near = nearest(cursor.x, cursor.y);
        announce(near ? `On ${near[0] === "a" ? "a new hair" : "hair " + (Number(near.slice(1)) + 1)}.` : `At ${Math.round(cursor.x)}, ${Math.round(cursor.y)}.`);
        event.preventDefault();
      } else if (event.key === "Enter" || event.key === " ") {
        const near = nearest(cursor.x, cursor.y);
        if (near) toggle(near);
        else add(cursor.x, cursor.y);
        event.preventDefault();
      }
    });
    svg.addEventListener("focus", () => {
      cross.removeAttribute("hidden");
      moveCross();
    });
    svg.addEventListener("blur", () => cross.setAttribute("hidden", ""));

    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-key]");
      if (button) {
        const key = button.dataset.key;
        toggle(key);
        const again = list.querySelector(`button[data-key="${key}"]`);
        if (again) again.focus();
      }
    });
    list.addEventListener("mouseover", (event) => highlight(event.target.closest("li")));
    list.addEventListener("focusin", (event) => highlight(event.target.closest("li")));

    function highlight(li) {
      layer.querySelectorAll("g.hair.lit").forEach((g) => g.classList.remove("lit"));
      if (!li) return;
      const group = layer.querySelector(`g.hair[data-key="${li.dataset.key}"]`);
      if (group) group.classList.add("lit");
    }

    form.addEventListener("submit", () => {
      submitting = true;
    });
    form.querySelector("[data-reset]").addEventListener("click", () => {
      removed.clear();
      added.length = 0;
      announce("All unsaved changes undone.");
      render();
    });
    window.addEventListener("beforeunload", (event) => {
      if (changed() && !submitting) event.preventDefault();
    });
    render();
    root.classList.add("ready");
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-hair-editor]").forEach(setUp);
  });
})();
