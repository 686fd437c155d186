/* SSB Tracker reader pages: progressive enhancement only. Everything works
   without this file (zoom and filters are links and a GET form; bars have
   <title> tooltips and aria-labels). No inline scripts: a strict CSP is coming. */
(function () {
  "use strict";

  var FIELDS = [
    ["owner", "Organisation"],
    ["phrase", "Source said"],
    ["window", "Window"],
    ["status", "Status"],
    ["first", "Slipped"],
    ["outlook", "Outside view"],
    ["source", "Source"],
  ];

  function tooltip() {
    var tip = document.getElementById("tl-tip");
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "tl-tip";
      tip.className = "tl-tip";
      tip.hidden = true;
      tip.setAttribute("aria-hidden", "true"); // the bar's aria-label already says all this
      document.body.appendChild(tip);
    }
    return tip;
  }

  function showTip(bar) {
    var tip = tooltip();
    tip.textContent = "";
    var title = document.createElement("strong");
    title.textContent = bar.dataset.title || "";
    tip.appendChild(title);
    var list = document.createElement("dl");
    FIELDS.forEach(function (field) {
      var value = bar.dataset[field[0]];
      if (!value) return;
      var dt = document.createElement("dt");
      dt.textContent = field[1];
      var dd = document.createElement("dd");
      dd.textContent = value;
      list.appendChild(dt);
      list.appendChild(dd);
    });
    tip.appendChild(list);
    tip.hidden = false;
    var box = (bar.querySelector(".tl-win") || bar).getBoundingClientRect();
    var left = window.scrollX + Math.max(8, Math.min(box.left, window.innerWidth - tip.offsetWidth - 8));
    var top = window.scrollY + box.bottom + 8;
    if (box.bottom + tip.offsetHeight + 16 > window.innerHeight) {
      top = window.scrollY + box.top - tip.offsetHeight - 8;
    }
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }

  function hideTip() {
    var tip = document.getElementById("tl-tip");
    if (tip) tip.hidden = true;
  }

  function barOf(target) {
    return target && target.closest ? target.closest(".tl-bar") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var bar = barOf(event.target);
    if (bar) showTip(bar);
  });
  document.addEventListener("mouseout", function (event) {
    var bar = barOf(event.target);
    if (bar && !bar.contains(event.relatedTarget)) hideTip();
  });
  document.addEventListener("focusin", function (event) {
    var bar = barOf(event.target);
    if (bar) showTip(bar);
    else hideTip();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hideTip();
  });

  // The native <title> tooltip would duplicate ours once this script runs.
  function dropNativeTitles(root) {
    root.querySelectorAll(".tl-bar > title").forEach(function (title) {
      title.remove();
    });
  }

  // Filters: a changed select or year applies at once (the Apply button stays for no-JS).
  function autoSubmit(form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("select, input[type=number], input[type=date], input[type=checkbox]")) {
        form.requestSubmit();
      }
    });
  }

  function copyButtons() {
    document.querySelectorAll(".js-copy").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      var status = button.parentElement.querySelector(".js-copy-status");
      if (!source) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        source.select();
        var done = function () {
          if (status) status.textContent = "Copied.";
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, function () {
            document.execCommand("copy");
            done();
          });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropNativeTitles(document);
    document.querySelectorAll("form.filters").forEach(autoSubmit);
    copyButtons();
  });
})();
