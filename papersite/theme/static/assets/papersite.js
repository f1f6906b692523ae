// Papersite: theme toggle, copy and export buttons, expand-all. No network, no dependencies.
(function () {
  "use strict";
  var root = document.documentElement;
  // The dark-theme button works only with this script, so the script makes it (and
  // pages do not each carry its markup); a site template may place its own instead.
  var toggle = document.querySelector(".theme-toggle");
  var row = document.querySelector(".site-header .header-row");
  if (!toggle && row) {
    toggle = document.createElement("button");
    toggle.className = "theme-toggle";
    toggle.type = "button";
    toggle.setAttribute("aria-label", "Dark theme");
    toggle.title = "Dark theme";
    toggle.innerHTML = '<svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24">' +
      '<path fill="currentColor" d="M12 3a9 9 0 1 0 9 9 7 7 0 0 1-9-9z"/></svg>';
    row.appendChild(toggle);
  }
  if (toggle) {
    toggle.hidden = false;
    var current = function () {
      return root.dataset.theme ||
        (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    };
    var label = function () { toggle.setAttribute("aria-pressed", current() === "dark" ? "true" : "false"); };
    label();
    // With no stored choice the page follows the system, live.
    var system = window.matchMedia("(prefers-color-scheme: dark)");
    if (system.addEventListener) { system.addEventListener("change", label); }
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("papersite-theme", next); } catch (e) { /* private mode */ }
      label();
    });
  }

  // Copy, export and expand-all work only with this script: they show where scripts run
  // (.needs-script; the page's head sets the class before the first paint, and this
  // sets it for a site's own base template that does not).
  root.classList.add("js");

  function status(text) {
    var s = document.querySelector(".copy-status");
    if (s) { s.textContent = text; }
  }
  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = document.createElement("a");
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function ris(item) {
    var types = { "paper-conference": "CPAPER", "article-journal": "JOUR", "article": "JOUR",
      "thesis": "THES", "book": "BOOK", "chapter": "CHAP", "report": "RPRT" };
    var lines = ["TY  - " + (types[item.type] || "GEN"), "TI  - " + item.title];
    (item.author || []).forEach(function (a) {
      // CSL's {"literal": "others"} ends a partial list (Pandoc prints "et al."); RIS
      // has no such mark, and reference managers would file an author named "others".
      if (a.literal === "others") { return; }
      if (a.literal) { lines.push("AU  - " + a.literal); return; }   // a group's name
      lines.push("AU  - " + (a["non-dropping-particle"] ? a["non-dropping-particle"] + " " : "") +
        a.family + (a.given ? ", " + a.given : "") + (a.suffix ? ", " + a.suffix : ""));
    });
    var parts = item.issued && item.issued["date-parts"][0];
    if (parts) {
      lines.push("PY  - " + parts[0]);
      lines.push("DA  - " + parts.map(function (p) { return String(p).padStart(2, "0"); }).join("/"));
    }
    if (item["container-title"]) { lines.push("T2  - " + item["container-title"]); }
    if (item.publisher) { lines.push("PB  - " + item.publisher); }
    if (item.genre && (item.type === "thesis" || item.type === "report")) {
      lines.push("M3  - " + item.genre);   // the degree, the kind of report
    }
    if (item.volume) { lines.push("VL  - " + item.volume); }
    if (item.issue) { lines.push("IS  - " + item.issue); }
    if (item.page) {
      var pages = item.page.split("-");
      lines.push("SP  - " + pages[0]);
      if (pages[1]) { lines.push("EP  - " + pages[1]); }
    }
    if (item.DOI) { lines.push("DO  - " + item.DOI); }
    if (item.URL) { lines.push("UR  - " + item.URL); }
    if (item.abstract) { lines.push("AB  - " + item.abstract); }
    lines.push("ER  - ");
    return lines.join("\r\n") + "\r\n";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.dataset.copy) {
      var text = document.getElementById(button.dataset.copy).textContent;
      navigator.clipboard.writeText(text).then(function () { status("Copied."); },
        function () { status("Select the text and copy it."); });
    } else if (button.dataset.export) {
      var data = JSON.parse(document.getElementById("csl-data").textContent);
      var ld = document.querySelector('script[type="application/ld+json"]');
      try { if (ld && !data.abstract) { data.abstract = JSON.parse(ld.textContent).abstract; } } catch (e) { /* no abstract */ }
      if (button.dataset.export === "ris") {
        download(data.id + ".ris", "application/x-research-info-systems", ris(data));
      } else {
        download(data.id + ".json", "application/vnd.citationstyles.csl+json",
          JSON.stringify([data], null, 2));
      }
      status("Downloaded.");
    } else if (button.dataset.expand) {
      var open = button.dataset.expand === "true";
      document.querySelectorAll("details.entry-abstract").forEach(function (d) { d.open = open; });
    }
  });
})();
