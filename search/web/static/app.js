// Progressive enhancement only: the pages work without it. Shows the copy buttons and puts
// their text on the clipboard.
"use strict";

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Older browsers and plain-http hosts other than localhost.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "absolute";
  area.style.left = "-9999px";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  document.body.removeChild(area);
  return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.copy[data-copy]")) {
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", () => {
      copyText(button.dataset.copy).then(
        () => { button.textContent = "Copied"; button.classList.add("done"); },
        () => { button.textContent = "Copy failed: select the text instead"; },
      ).finally(() => {
        setTimeout(() => { button.textContent = label; button.classList.remove("done"); }, 2000);
      });
    });
  }
});
