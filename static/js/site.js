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

// Search suggestions as the shopper types: a server-rendered list of links (already escaped by the
// server) under the box. Down arrow moves into the list, up/down between links, Escape closes.
(() => {
  const input = document.querySelector("input[data-suggest]");
  if (!input) return;
  const box = document.getElementById(input.getAttribute("aria-controls"));
  const status = document.getElementById("site-search-status");
  let timer = 0;
  let pending = null;
  let shown = "";
  const links = () => Array.from(box.querySelectorAll("a"));
  const close = () => {
    box.hidden = true;
    box.replaceChildren();
    shown = "";
  };
  const fetchSuggestions = async (query) => {
    pending?.abort();
    pending = new AbortController();
    try {
      const url = `${input.dataset.suggest}?q=${encodeURIComponent(query)}`;
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } });
      if (!response.ok || input.value.trim() !== query) return;
      box.innerHTML = await response.text();
      const list = box.querySelector(".suggest-list");
      box.hidden = !list;
      shown = query;
      if (status && list) status.textContent = list.dataset.status || "";
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < 2) {
      pending?.abort();
      close();
      return;
    }
    if (query !== shown) timer = setTimeout(() => fetchSuggestions(query), 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !box.hidden) {
      event.preventDefault();
      links()[0]?.focus();
    } else if (event.key === "Escape" && !box.hidden) {
      event.preventDefault();
      close();
    }
  });
  box.addEventListener("keydown", (event) => {
    const items = links();
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      items[Math.min(index + 1, items.length - 1)]?.focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index <= 0 ? input : items[index - 1]).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
      input.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!input.form.contains(event.target)) close();
  });
  input.form.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !input.form.contains(event.relatedTarget)) close();
  });
})();
