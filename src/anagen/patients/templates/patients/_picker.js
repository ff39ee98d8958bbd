function anagenPick(button) {
  const box = button.closest(".field");
  const input = box.querySelector("input[name=code], input[name=atc_code]");
  input.value = button.dataset.code;
  const name = button.closest("form").querySelector("input[name=name]");
  if (name && !name.value) { name.value = button.dataset.title; }
  box.querySelector(".code-options").innerHTML = "";
  box.querySelector("input[type=search]").value = button.dataset.code + " " + button.dataset.title;
  input.focus();
}
