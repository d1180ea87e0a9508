// Progressive enhancement only: every form works without this file.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select[data-autosubmit]")) {
    target.form.requestSubmit();
  } else if (target.matches("[data-autosubmit-button]")) {
    const button = document.getElementById(target.dataset.autosubmitButton);
    if (button) target.form.requestSubmit(button);
  } else if (target.matches("input[type=radio][data-image]")) {
    const image = document.getElementById("product-image");
    if (image) image.src = target.dataset.image;
  }
});
