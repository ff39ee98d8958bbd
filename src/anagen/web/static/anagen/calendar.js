// Calendar: drag a booked session onto another slot (or column) to move it. The drop opens the
// move page with the new time, practitioner and room filled in; the re-planned course is shown
// there before anything is saved. Without a mouse or touch drag, the session's own page moves it.
(function () {
  "use strict";
  let dragging = null;
  document.querySelectorAll(".cal-booking[draggable=true]").forEach(function (el) {
    el.addEventListener("dragstart", function (e) {
      dragging = el;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", el.dataset.move);
      el.classList.add("dragging");
    });
    el.addEventListener("dragend", function () {
      el.classList.remove("dragging");
      dragging = null;
    });
  });
  document.querySelectorAll(".cal-slot").forEach(function (slot) {
    slot.addEventListener("dragover", function (e) {
      if (dragging) { e.preventDefault(); slot.classList.add("over"); }
    });
    slot.addEventListener("dragleave", function () { slot.classList.remove("over"); });
    slot.addEventListener("drop", function (e) {
      e.preventDefault();
      slot.classList.remove("over");
      const url = e.dataTransfer.getData("text/plain") || (dragging && dragging.dataset.move);
      if (!url) { return; }
      const body = slot.closest(".cal-body");
      const params = new URLSearchParams({ kind: "move", start: slot.dataset.start });
      if (body.dataset.practitioner) { params.set("practitioner", body.dataset.practitioner); }
      if (body.dataset.room) { params.set("room", body.dataset.room); }
      window.location.href = url + "?" + params.toString();
    });
  });
})();
