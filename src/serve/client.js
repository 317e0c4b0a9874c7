// herald serve: reloads the page after each rebuild and shows build errors on top of it.
(() => {
  const scrollKey = "herald-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(scrollKey);
  if (saved) {
    sessionStorage.removeItem(scrollKey);
    const [x, y] = JSON.parse(saved);
    const restore = () => window.scrollTo(x, y);
    restore();
    window.addEventListener("load", restore);
  }

  let overlay = null;
  function showError(message) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "herald-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,24,.94);" +
        "color:#fff;padding:2rem;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
      const title = document.createElement("p");
      title.style.cssText = "font:bold 18px system-ui,sans-serif;margin:0 0 1rem;color:#ff8a80";
      title.textContent = "The site could not be rebuilt. You are seeing the last good version; fix the problem below and save.";
      const pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      overlay.append(title, pre);
      document.body.append(overlay);
    }
    overlay.querySelector("pre").textContent = message;
  }
  function hideError() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  // A deleted or renamed page: go to its section list rather than to a 404.
  function sectionOf(path) {
    const parts = path.split("/").filter(Boolean);
    if (parts.length >= 3) return "/" + parts.slice(0, 2).join("/") + "/";
    if (parts.length >= 1) return "/" + parts[0] + "/";
    return "/";
  }
  async function reloadPage() {
    sessionStorage.setItem(scrollKey, JSON.stringify([window.scrollX, window.scrollY]));
    try {
      const response = await fetch(location.pathname, { method: "HEAD", cache: "no-store" });
      if (response.status === 404) {
        location.href = sectionOf(location.pathname);
        return;
      }
    } catch (_) {
      // The server is restarting: reload anyway.
    }
    location.reload();
  }
  function swapStylesheets() {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("herald", Date.now().toString());
      link.href = url.toString();
    }
  }

  const events = new EventSource("/__herald/events");
  events.addEventListener("reload", (event) => {
    hideError();
    const data = JSON.parse(event.data);
    if (data.css_only) swapStylesheets();
    else reloadPage();
  });
  events.addEventListener("build-error", (event) => showError(JSON.parse(event.data).message));
  events.addEventListener("ok", hideError);
})();
