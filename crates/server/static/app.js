// propdesk — a little hand-written JS: type-ahead lookups and confirmations. Pages work without it.
(function () {
  "use strict";
  function lookup(wrapper) {
    var input = wrapper.querySelector("input[type=text]");
    var hidden = wrapper.querySelector("input[type=hidden]");
    var list = document.createElement("ul");
    list.hidden = true;
    list.setAttribute("role", "listbox");
    wrapper.appendChild(list);
    var timer = null, items = [], sel = -1;
    function render() {
      list.innerHTML = "";
      items.forEach(function (it, i) {
        var li = document.createElement("li");
        li.textContent = it.label;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === sel ? "true" : "false");
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }
    function choose(i) {
      var it = items[i];
      if (!it) return;
      input.value = it.label;
      hidden.value = it.id;
      items = []; sel = -1; render();
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { items = []; render(); return; }
      timer = setTimeout(function () {
        var url = wrapper.dataset.lookup + (wrapper.dataset.lookup.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (data) {
          items = data; sel = data.length ? 0 : -1; render();
        });
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { sel = Math.min(sel + 1, items.length - 1); render(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { sel = Math.max(sel - 1, 0); render(); e.preventDefault(); }
      else if (e.key === "Enter" && sel >= 0) { choose(sel); e.preventDefault(); }
      else if (e.key === "Escape") { items = []; render(); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { items = []; render(); }, 150); });
  }
  document.querySelectorAll("[data-lookup]").forEach(lookup);
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
  });
  // A dangerous button inside an ordinary form (e.g. restore a default) asks on its own.
  document.querySelectorAll("button[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) { if (!window.confirm(b.dataset.confirm)) e.preventDefault(); });
  });
  // A part of a form that only applies to one choice of a select (data-shown-for="field=value")
  // is hidden for the other choices; without JS every part shows.
  document.querySelectorAll("[data-shown-for]").forEach(function (part) {
    var rule = part.dataset.shownFor.split("="), form = part.closest("form");
    var select = form && form.querySelector("[name='" + rule[0] + "']");
    if (!select) return;
    function sync() { part.hidden = select.value !== rule[1]; }
    select.addEventListener("change", sync);
    sync();
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
