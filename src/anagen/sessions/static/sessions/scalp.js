// The scalp map (sessions/_scalp_map.html): place injection points or paint zones with a mouse,
// a finger or a pen (Pointer Events), or from the keyboard (Enter on a zone adds a point at its
// centre). The record is the anagen.injection-map/1 document, kept in the hidden form field.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";

  function setUp(root) {
    const readonly = root.hasAttribute("data-readonly");
    const input = document.getElementById(root.dataset.input);
    const raw = JSON.parse(root.querySelector('script[type="application/json"]').textContent || "{}");
    const doc = {
      schema: "anagen.injection-map/1",
      points: raw.points || [],
      zones: raw.zones || [],
    };
    const history = [];
    const tool = (name) => root.querySelector(`[data-tool="${name}"]`);
    const labels = {};
    root.querySelectorAll("rect[data-zone]").forEach((el) => {
      labels[el.dataset.zone] = el.querySelector("title").textContent;
    });

    function mode() {
      const checked = root.querySelector('input[name="map-mode"]:checked');
      return checked ? checked.value : "point";
    }

    function depth() {
      const chosen = tool("depth").value;
      if (chosen === "mm") return { depth_mm: Number(tool("depth_mm").value) };
      return { depth: chosen };
    }

    function depthWords(item) {
      if (item.depth_mm !== undefined) return `${item.depth_mm} mm`;
      return item.depth.replace(/_/g, " ");
    }

    function place(svg, zone, x, y) {
      const view = svg.dataset.view;
      const box = svg.viewBox.baseVal;
      if (mode() === "zone") {
        const at = doc.zones.findIndex((z) => z.view === view && z.zone === zone);
        if (at >= 0) {
          history.push({ kind: "unzone", item: doc.zones[at] });
          doc.zones.splice(at, 1);
        } else {
          const item = Object.assign(
            { view: view, zone: zone, points_per_cm2: Number(tool("density").value) },
            depth(),
            { volume_ml: Number(tool("zone_volume").value) }
          );
          doc.zones.push(item);
          history.push({ kind: "zone", item: item });
        }
      } else {
        const item = Object.assign(
          {
            view: view,
            x: Math.round((x / box.width) * 10000) / 10000,
            y: Math.round((y / box.height) * 10000) / 10000,
            zone: zone,
          },
          depth(),
          { volume_ml: Number(tool("volume").value) }
        );
        doc.points.push(item);
        history.push({ kind: "point", item: item });
      }
      render();
    }

    function onPointer(event) {
      const zoneEl = event.target.closest("rect[data-zone]");
      if (!zoneEl || event.button > 0) return;
      event.preventDefault(); // no text selection, no scrolling or zooming from this tap
      const svg = zoneEl.ownerSVGElement;
      const at = svg.createSVGPoint();
      at.x = event.clientX;
      at.y = event.clientY;
      const p = at.matrixTransform(svg.getScreenCTM().inverse());
      place(svg, zoneEl.dataset.zone, p.x, p.y);
    }

    function onKey(event) {
      const zoneEl = event.target.closest("rect[data-zone]");
      if (!zoneEl || (event.key !== "Enter" && event.key !== " ")) return;
      event.preventDefault();
      const x = Number(zoneEl.getAttribute("x")) + Number(zoneEl.getAttribute("width")) / 2;
      const y = Number(zoneEl.getAttribute("y")) + Number(zoneEl.getAttribute("height")) / 2;
      place(zoneEl.ownerSVGElement, zoneEl.dataset.zone, x, y);
    }

    function undo() {
      const last = history.pop();
      if (!last) return;
      if (last.kind === "point") doc.points.splice(doc.points.indexOf(last.item), 1);
      if (last.kind === "zone") doc.zones.splice(doc.zones.indexOf(last.item), 1);
      if (last.kind === "unzone") doc.zones.push(last.item);
      render();
    }

    function remove(list, item) {
      list.splice(list.indexOf(item), 1);
      render();
    }

    function drawPoints() {
      root.querySelectorAll("svg[data-view]").forEach((svg) => {
        const marks = svg.querySelector(".marks");
        const box = svg.viewBox.baseVal;
        marks.replaceChildren();
        doc.points.forEach((p, i) => {
          if (p.view !== svg.dataset.view) return;
          const dot = document.createElementNS(SVG, "circle");
          dot.setAttribute("cx", p.x * box.width);
          dot.setAttribute("cy", p.y * box.height);
          dot.setAttribute("r", 3.2);
          dot.setAttribute("class", "point");
          const title = document.createElementNS(SVG, "title");
          title.textContent = `Point ${i + 1}: ${p.volume_ml} ml`;
          dot.appendChild(title);
          marks.appendChild(dot);
        });
        svg.querySelectorAll("rect[data-zone]").forEach((el) => {
          const painted = doc.zones.some(
            (z) => z.view === svg.dataset.view && z.zone === el.dataset.zone
          );
          el.classList.toggle("painted", painted);
        });
      });
    }

    function row(cells, list, item) {
      const tr = document.createElement("tr");
      cells.forEach((text) => {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      if (!readonly) {
        const td = document.createElement("td");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = "Remove";
        button.addEventListener("click", () => remove(list, item));
        td.appendChild(button);
        tr.appendChild(td);
      }
      return tr;
    }

    function render() {
      drawPoints();
      const rows = root.querySelector("[data-rows]");
      rows.replaceChildren();
      doc.points.forEach((p, i) => {
        rows.appendChild(
          row([i + 1, p.view, labels[p.zone], depthWords(p), `${p.volume_ml} ml`], doc.points, p)
        );
      });
      doc.zones.forEach((z) => {
        const what = `${labels[z.zone]} (painted, ${z.points_per_cm2} points/cm²)`;
        rows.appendChild(row(["zone", z.view, what, depthWords(z), `${z.volume_ml} ml`], doc.zones, z));
      });
      const total = [...doc.points, ...doc.zones].reduce((sum, item) => sum + item.volume_ml, 0);
      root.querySelector("[data-total]").textContent = (Math.round(total * 1000) / 1000).toString();
      if (input) input.value = JSON.stringify(doc);
    }

    function showTools() {
      const zoneMode = mode() === "zone";
      root.querySelectorAll(".when-zone").forEach((el) => (el.hidden = !zoneMode));
      root.querySelectorAll(".when-point").forEach((el) => (el.hidden = zoneMode));
      root.querySelectorAll(".when-mm").forEach((el) => (el.hidden = tool("depth").value !== "mm"));
    }

    if (!readonly) {
      root.querySelectorAll("svg[data-view]").forEach((svg) => {
        svg.addEventListener("pointerdown", onPointer);
        svg.addEventListener("keydown", onKey);
      });
      root.querySelectorAll('input[name="map-mode"]').forEach((r) => r.addEventListener("change", showTools));
      tool("depth").addEventListener("change", showTools);
      tool("undo").addEventListener("click", undo);
      showTools();
    }
    render();
  }

  document.querySelectorAll("[data-scalp-map]").forEach(setUp);
})();
