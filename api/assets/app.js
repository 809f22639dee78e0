// The dashboard's progressive enhancement: every page works without it.
//
// [data-refresh]: the element's panels are fetched again every data-every seconds and
// swapped in place; while it loads and when it fails, the [role=status] line inside says so.
// A session that ended sends the browser to the login page. [data-copy] buttons copy a URL;
// [data-live] shows the server's live updates.
"use strict";

function refresh(box) {
  const url = box.dataset.refresh;
  const status = box.querySelector("[role=status]");
  const every = Math.max(5, Number(box.dataset.every) || 30) * 1000;
  async function load() {
    status.classList.remove("error");
    status.textContent = "Actualizando…";
    try {
      const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (resp.redirected || resp.status === 401) {
        window.location.assign("/admin/login");
        return;
      }
      if (!resp.ok) throw new Error(String(resp.status));
      const html = await resp.text();
      const next = new DOMParser().parseFromString(html, "text/html").querySelector(".panels");
      const current = box.querySelector(".panels");
      if (next && current) current.replaceWith(next);
      status.textContent = "";
    } catch (e) {
      status.classList.add("error");
      status.textContent = "No se pudo actualizar: se reintenta en " + every / 1000 + " s.";
    }
  }
  setInterval(load, every);
  document.addEventListener("cabanas:live", load);
}

// [data-live]: the server's live updates (new holds, confirmations, cancellations, lapsed
// holds, guests asking for the owner) shown as links for a minute; the panels reload.
function live(box) {
  const source = new EventSource(box.dataset.live);
  source.addEventListener("live", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (e) {
      return;
    }
    const toast = document.createElement("a");
    toast.className = "toast";
    toast.href = event.href;
    toast.textContent = event.text;
    box.prepend(toast);
    setTimeout(() => toast.remove(), 60000);
    document.dispatchEvent(new Event("cabanas:live"));
  });
}

// [data-copy]: copies the value of the input it names to the clipboard, and says so.
function copier(button) {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = "Copiado";
    } catch (e) {
      input.select();
      button.textContent = "Seleccionado: Ctrl+C";
    }
  });
}

document.querySelectorAll("[data-refresh]").forEach(refresh);
document.querySelectorAll("[data-live]").forEach(live);
document.querySelectorAll("[data-copy]").forEach(copier);
