// The photo overlay (outcomes/photo_compare.html): the range input moves the line between the
// earlier photo (left) and the later one (right), by clipping the later one with CSS.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const overlay = document.querySelector("[data-overlay]");
    const range = document.querySelector("[data-split]");
    if (!overlay || !range) return;
    const update = () => {
      overlay.style.setProperty("--split", `${range.value}%`);
      range.setAttribute("aria-valuetext", `${range.value}% before, ${100 - range.value}% after`);
    };
    range.addEventListener("input", update);
    update();
  });
})();
