/* herald default theme: client-side search over the language's index
   ([{t: title, u: url, s: summary, d: date, k: section}]). No dependencies, no cookies. */
(function () {
  "use strict";
  var box = document.getElementById("search"), form = document.querySelector(".search-form");
  if (!box || !form || !window.fetch) return;
  var input = form.querySelector("input[name=q]"), status = document.getElementById("search-status"),
    list = document.getElementById("search-results"), data = box.dataset, index = null, loading = null, timer = 0;
  /* dates as herald writes them: the 1st of each month of 2000, from the page */
  var months = (data.months || "").split("|"), dateFormat = null;
  try {
    dateFormat = new Intl.DateTimeFormat(data.locale || document.documentElement.lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  } catch (e) { /* dates are shown as written */ }

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function plain(text) {
    text = String(text || "");
    if (text.indexOf("<") >= 0 || text.indexOf("&") >= 0) {
      /* an inert document: nothing in it runs or loads */
      text = new DOMParser().parseFromString(text, "text/html").body.textContent || "";
    }
    return text.replace(/\s+/g, " ").trim();
  }
  function load() {
    if (!loading) {
      loading = fetch(data.index, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (items) {
          index = items.filter(function (it) { return it && it.t && /^(\/|https?:)/.test(it.u || ""); }).map(function (it) {
            var summary = plain(it.s);
            return { t: it.t, u: it.u, s: summary, d: it.d, k: it.k, title: fold(it.t), text: fold(it.t + " " + summary) };
          });
        });
    }
    return loading;
  }
  function message(key, count, query) {
    return (data[key] || "").replace("{count}", count).replace("{query}", query);
  }
  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!m) return iso;
    var pattern = months.length === 12 && months[+m[2] - 1];
    if (pattern && pattern.indexOf("2000") >= 0) {
      return pattern.replace("2000", m[1]).replace(/(^|\D)1(?!\d)/, "$1" + (+m[3]));
    }
    return dateFormat ? dateFormat.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))) : m[0];
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function render(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    var hits = [];
    index.forEach(function (it, i) {
      for (var w = 0; w < words.length; w++) if (it.text.indexOf(words[w]) < 0) return;
      var score = 0;
      for (w = 0; w < words.length; w++) if (it.title.indexOf(words[w]) >= 0) score++;
      hits.push({ it: it, score: score, i: i });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.i - b.i; });
    status.textContent = message(hits.length === 0 ? "none" : hits.length === 1 ? "one" : "many", hits.length, query.trim());
    hits.slice(0, 100).forEach(function (hit) {
      var it = hit.it, li = el("li", "search-result"), label = it.k && data["label" + it.k.charAt(0).toUpperCase() + it.k.slice(1)];
      if (label) li.appendChild(el("p", "kicker", label));
      var h = el("h2", "search-result-title"), a = el("a", "", it.t);
      a.href = it.u;
      h.appendChild(a);
      li.appendChild(h);
      if (it.d) {
        var meta = el("p", "meta"), time = el("time", "", formatDate(it.d));
        time.setAttribute("datetime", it.d);
        meta.appendChild(time);
        li.appendChild(meta);
      }
      if (it.s) li.appendChild(el("p", "search-result-summary", it.s));
      list.appendChild(li);
    });
  }
  function run(query, push) {
    if (push && window.history && history.replaceState) {
      var u = new URL(location.href);
      if (query.trim()) u.searchParams.set("q", query); else u.searchParams.delete("q");
      history.replaceState(null, "", u.pathname + u.search + u.hash);
    }
    if (!query.trim()) { render(""); return; }
    if (!index) status.textContent = data.loading || "";
    load().then(function () { if (input.value === query) render(query); }, function () {
      loading = null;
      list.textContent = "";
      status.textContent = data.error || "";
    });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    run(input.value, true);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value, true); }, 200);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial, false); }
})();
