/* memberbooks: small conveniences on top of server-rendered pages. Works without it too. */
document.addEventListener("click", function (event) {
  /* "all" beside an application input: fill in the invoice's whole open balance. */
  var button = event.target.closest("[data-fill]");
  if (!button) return;
  var input = document.getElementById(button.getAttribute("data-fill-target"));
  if (input) {
    input.value = button.getAttribute("data-fill");
    input.focus();
  }
});

/* data-busy on a link or button that starts slow work (the sync's check reads every pending
   transaction and asks QuickBooks): say so at once, and ignore a second click meanwhile. */
document.addEventListener("click", function (event) {
  var control = event.target.closest("[data-busy]");
  if (!control) return;
  if (control.getAttribute("aria-busy") === "true") {
    event.preventDefault();
    return;
  }
  control.setAttribute("data-idle", control.textContent);
  control.setAttribute("aria-busy", "true");
  control.classList.add("busy");
  control.textContent = control.getAttribute("data-busy");
});

/* Back to a page the browser kept (Back button): its controls are idle again. */
window.addEventListener("pageshow", function () {
  document.querySelectorAll('[data-busy][aria-busy="true"]').forEach(function (control) {
    control.textContent = control.getAttribute("data-idle");
    control.removeAttribute("aria-busy");
    control.classList.remove("busy");
  });
});
