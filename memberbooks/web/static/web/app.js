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
