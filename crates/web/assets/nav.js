// The header's drop-down menus: one open at a time, closed by a click elsewhere or Escape.
(function () {
  "use strict";
  const groups = () => document.querySelectorAll("header.site details.menu-group");
  document.addEventListener("click", (event) => {
    groups().forEach((d) => {
      if (d.open && !d.contains(event.target)) d.open = false;
    });
  });
  document.addEventListener("toggle", (event) => {
    const opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.matches("header.site details.menu-group")) return;
    if (window.matchMedia("(max-width: 900px)").matches) return;
    groups().forEach((d) => { if (d !== opened) d.open = false; });
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") groups().forEach((d) => { d.open = false; });
  });
})();

// File inputs drawn in Chinese (label.file-pick): show the chosen file's name.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
  const shown = input.closest("label.file-pick")?.querySelector(".file-name");
  if (shown) shown.textContent = input.files && input.files.length ? input.files[0].name : "未选择文件";
});
