// Papersite search page: Pagefind's JS API with facets, sort and the state in the URL.
// Loaded only on /search/. No network beyond this site's own pagefind/ folder.
//
// URL: ?q=diffusion&venue=CVPR&venue=ICCV&year=2023&sort=newest — values of one facet
// are OR'ed, facets are AND'ed. A facet's counts ignore its own selection (so choosing
// CVPR still shows how many ICCV papers match), which costs one extra search per facet
// in use; Pagefind caches the index chunks, so those searches run in memory.
//
// A large site's index comes in shards (pagefind/papersite-search.json lists them,
// oldest papers first): each is a Pagefind instance; results are merged here, by score
// for relevance and by shard order for dates (undated papers last), and facet counts
// are summed.

const FACETS = [
  { key: "year", label: "Year", order: "value-desc", top: Infinity },
  { key: "venue", label: "Venue", order: "count", top: 8 },
  { key: "type", label: "Type", order: "count", top: Infinity },
  { key: "tag", label: "Tag", order: "count", top: 8 },
  { key: "author", label: "Author", order: "count", top: 8, find: true },
];
const PAGE = 20;          // results rendered per "Show more"
const FIND_LIMIT = 50;    // matches listed for a facet's find box
const SORTS = { newest: { date: "desc" }, oldest: { date: "asc" } };

const root = document.getElementById("search");
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const sortSelect = document.getElementById("search-sort");
const statusEl = document.getElementById("search-status");
const facetsEl = document.getElementById("search-facets");
const resultsEl = document.getElementById("search-results");
const moreButton = document.getElementById("search-more");
const clearButton = document.getElementById("search-clear");
const filtersSummary = document.querySelector("#search-filters > summary");

let shards = null;        // Pagefind instances, oldest papers first
let everyPaper = "";      // the word in every paper's text (from the manifest)
let state = readState(location.search);
let results = [];
let shown = 0;
let runId = 0;
const facetUi = {};       // key → {list, find, more, expanded}
const ids = {};           // facet value → stable element id, so focus survives redraws
let idCounter = 0;
let lastCounts = {};
let typing = null;          // the pause timer while the query is typed
let typedEntry = false;     // the query being typed has its history entry already

function readState(search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const f of FACETS) {
    const values = params.getAll(f.key).filter((v) => v !== "");
    if (values.length) filters[f.key] = [...new Set(values)];
  }
  const sort = params.get("sort") || "";
  return { q: (params.get("q") || "").trim(), filters, sort: SORTS[sort] ? sort : "" };
}

function stateUrl(s) {
  const params = new URLSearchParams();
  if (s.q) params.set("q", s.q);
  for (const f of FACETS) for (const v of s.filters[f.key] || []) params.append(f.key, v);
  if (s.sort) params.set("sort", s.sort);
  const text = params.toString();
  return location.pathname + (text ? "?" + text : "");
}

// Puts the state in the address (a new history entry when push) and searches; says
// whether the address changed.
function commit(push) {
  const url = stateUrl(state);
  const changed = url !== location.pathname + location.search;
  if (changed) history[push ? "pushState" : "replaceState"](null, "", url);
  run();
  return changed;
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function valueId(facet, value) {
  const k = facet + "\u0000" + value;
  if (!ids[k]) ids[k] = `facet-${facet}-${++idCounter}`;
  return ids[k];
}

// --- searching ---------------------------------------------------------------------------

function pagefindFilters(filters, except) {
  const out = {};
  for (const [k, values] of Object.entries(filters)) {
    if (k !== except && values.length) out[k] = { any: values };
  }
  return out;
}

async function search(filters, countsOnly = false) {
  // With no query, browse: search for the word every paper has (an empty query would
  // make Pagefind load the whole word index), newest first.
  const term = state.q || everyPaper;
  const sort = countsOnly ? undefined : SORTS[state.sort] || (state.q ? undefined : SORTS.newest);
  const parts = await Promise.all(shards.map((s) => s.search(term, { filters })));
  if (parts.some((p) => !p)) return null;
  let results;
  if (countsOnly) results = [];
  else if (!sort) results = parts.flatMap((p) => p.results).sort((a, b) => b.score - a.score);
  else {
    // Sorted by date, Pagefind leaves out the papers without one (they have no sort key);
    // the same search unsorted has them, and they come after the dated papers in either
    // order, as on the site's lists.
    const sorted = await Promise.all(shards.map((s) => s.search(term, { filters, sort })));
    if (sorted.some((p) => !p)) return null;
    const undated = parts.flatMap((p, i) => {
      const dated = new Set(sorted[i].results.map((r) => r.id));
      return p.results.filter((r) => !dated.has(r.id));
    }).sort((a, b) => b.score - a.score);
    const byDate = sort.date === "desc" ? sorted.slice().reverse() : sorted;
    results = byDate.flatMap((p) => p.results).concat(undated);
  }
  const counts = {};
  for (const p of parts) {
    for (const [facet, values] of Object.entries(p.filters || {})) {
      const into = counts[facet] || (counts[facet] = {});
      for (const [value, n] of Object.entries(values)) into[value] = (into[value] || 0) + n;
    }
  }
  return { results, filters: counts };
}

// The header's search box says what this page searches for, as the page's own box does.
function showQueryInHeader() {
  const header = document.getElementById("site-search");
  if (header && document.activeElement !== header) header.value = state.q;
}

async function run() {
  const id = ++runId;
  showQueryInHeader();
  if (!shards) return;
  const main = await search(pagefindFilters(state.filters));
  if (id !== runId || !main) return;
  // A facet in use gets its counts from the same search without its own selection.
  const counts = { ...main.filters };
  const selected = FACETS.filter((f) => (state.filters[f.key] || []).length);
  const others = await Promise.all(selected.map((f) =>
    search(pagefindFilters(state.filters, f.key), true)));
  if (id !== runId) return;
  selected.forEach((f, i) => { if (others[i]) counts[f.key] = others[i].filters[f.key] || {}; });
  lastCounts = counts;
  results = main.results;
  shown = 0;
  resultsEl.replaceChildren();
  renderFacets();
  await showMore(false);
  if (id !== runId) return;
  announce();
}

function announce() {
  const chosenCount = Object.values(state.filters).reduce((n, v) => n + v.length, 0);
  filtersSummary.textContent = chosenCount ? `Filters (${chosenCount})` : "Filters";
  clearButton.hidden = !chosenCount;
  const n = results.length;
  const parts = [`${n.toLocaleString("en")} ${n === 1 ? "paper" : "papers"}`];
  if (state.q) parts.push(`for “${state.q}”`);
  const chosen = FACETS.flatMap((f) => (state.filters[f.key] || []).map((v) => `${f.label.toLowerCase()} ${v}`));
  if (chosen.length) parts.push(`with ${chosen.join(", ")}`);
  const sort = state.sort ? sortSelect.selectedOptions[0].textContent.toLowerCase()
    : (state.q ? "by relevance" : "newest first");
  statusEl.textContent = parts.join(" ") + (n ? `, ${sort}.` : ".");
}

// --- results -----------------------------------------------------------------------------

async function showMore(moveFocus) {
  const id = runId;
  const batch = results.slice(shown, shown + PAGE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (id !== runId) return;
  const items = data.map(renderResult);
  resultsEl.append(...items);
  shown += batch.length;
  moreButton.hidden = shown >= results.length;
  moreButton.textContent = `Show more results (${(results.length - shown).toLocaleString("en")} left)`;
  if (moveFocus && items.length) items[0].querySelector("a").focus();
}

function renderResult(d) {
  const m = d.meta || {};
  const link = el("a", { href: d.url });
  if (m.title_html) link.append(...titleNodes(m.title_html));
  else link.textContent = m.title || d.url;
  const title = el("h3", { class: "entry-title" }, link);
  const li = el("li", { class: "search-result" }, title);
  if (m.authors) li.append(el("p", { class: "entry-authors", text: m.authors }));
  // "CVPR 2023 · Conference paper", or "Preprint · Dec 8, 2025" when there is no venue.
  const facts = [m.venue, m.type, m.venue ? null : m.date].filter(Boolean);
  if (facts.length || m.note) {
    const meta = el("p", { class: "result-meta", text: facts.join(" · ") });
    if (m.note) meta.append(" ", el("span", { class: "badge note", text: m.note }));
    li.append(meta);
  }
  if (state.q && d.excerpt && m.excerpt !== "none") {   // "none": the paper has no abstract
    li.append(el("p", { class: "result-excerpt" }, ...excerptNodes(d.excerpt)));
  }
  return li;
}

// Pagefind's excerpt is text with <mark> around matches: keep exactly that, nothing else.
function excerptNodes(excerpt) {
  const t = document.createElement("template");
  t.innerHTML = excerpt;
  const nodes = [...t.content.childNodes].map((n) => n.nodeName === "MARK"
    ? el("mark", { text: n.textContent })
    : document.createTextNode(n.textContent.split(everyPaper).join("")));
  // Pagefind ends each paragraph with a full stop: the word every paper has leaves one
  // alone at the end (". ."), after a full stop of its own.
  while (nodes.length > 1 && /^[\s.]*$/.test(nodes[nodes.length - 1].textContent) &&
         /\.\s*$/.test(nodes[nodes.length - 2].textContent)) nodes.pop();
  const last = nodes[nodes.length - 1];
  if (last && last.nodeType === Node.TEXT_NODE) {
    last.textContent = last.textContent.replace(/\.(\s*\.)+\s*$/, ".");
  }
  return nodes;
}

// A title with math or markup, as the build rendered and sanitised it (markup.py). The
// index is this site's own file, and still only these elements and attributes are kept:
// another element gives way to its content (a link, which cannot sit inside the result's
// own link), and a script, style or the like goes with its content.
const HTML_NS = "http://www.w3.org/1999/xhtml";
const MATHML_NS = "http://www.w3.org/1998/Math/MathML";
const TITLE_TAGS = new Set(["em", "strong", "code", "sub", "sup", "b", "i", "s", "del", "ins",
  "small", "abbr", "kbd", "var", "q"]);
const MATH_TAGS = new Set(["math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac",
  "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "msub",
  "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mtable", "mtr", "mtd",
  "mlabeledtr", "semantics", "annotation", "mprescripts", "none"]);
const MATH_ATTRS = new Set(["display", "xmlns", "mathvariant", "stretchy", "fence", "form",
  "separator", "lspace", "rspace", "columnalign", "rowalign", "displaystyle", "scriptlevel",
  "accent", "accentunder", "movablelimits", "width", "height", "depth", "linethickness",
  "minsize", "maxsize", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
  "notation", "symmetric", "largeop", "encoding", "open", "close", "separators", "align"]);
const DROPPED = new Set(["script", "style", "template", "title", "textarea", "noscript",
  "iframe", "object", "embed"]);

function titleNodes(html) {
  const t = document.createElement("template");
  t.innerHTML = html;    // inert: nothing in a template loads or runs
  const clean = (node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.TEXT_NODE) continue;
      if (child.nodeType !== Node.ELEMENT_NODE || DROPPED.has(child.localName)) {
        child.remove();
        continue;
      }
      clean(child);
      const math = child.namespaceURI === MATHML_NS;
      if (!(math ? MATH_TAGS : TITLE_TAGS).has(child.localName) ||
          !(math || child.namespaceURI === HTML_NS)) {
        child.replaceWith(...child.childNodes);
        continue;
      }
      for (const a of [...child.attributes]) {
        if (!math || !MATH_ATTRS.has(a.name)) child.removeAttribute(a.name);
      }
    }
  };
  clean(t.content);
  return [...t.content.childNodes];
}

// --- facets ------------------------------------------------------------------------------

function buildFacets() {
  for (const f of FACETS) {
    const list = el("ul", { class: "facet-values", id: `facet-${f.key}-values` });
    const fieldset = el("fieldset", {}, el("legend", { text: f.label }));
    let find = null;
    let note = null;
    if (f.find) {
      const findId = `facet-${f.key}-find`;
      find = el("input", { type: "search", id: findId, class: "facet-find", autocomplete: "off",
        "aria-controls": list.id });
      fieldset.append(el("label", { for: findId, class: "facet-find-label", text: `Find ${f.label.toLowerCase()}` }), find);
      find.addEventListener("input", () => renderFacet(f));
      note = el("p", { class: "facet-note", id: `facet-${f.key}-note`, "aria-live": "polite" });
      find.setAttribute("aria-describedby", note.id);
    }
    fieldset.append(list);
    const more = el("button", { type: "button", class: "facet-more", hidden: true, "aria-expanded": "false",
      "aria-controls": list.id });
    more.addEventListener("click", () => {
      facetUi[f.key].expanded = !facetUi[f.key].expanded;
      renderFacet(f);
    });
    fieldset.append(more);
    if (note) fieldset.append(note);
    list.addEventListener("change", (event) => {
      const box = event.target;
      if (box.type !== "checkbox") return;
      const values = new Set(state.filters[f.key] || []);
      if (box.checked) values.add(box.value); else values.delete(box.value);
      state.filters = { ...state.filters, [f.key]: [...values] };
      if (!values.size) delete state.filters[f.key];
      typedEntry = false;
      commit(true);
    });
    const wrap = el("div", { class: "facet", "data-facet": f.key }, fieldset);
    facetUi[f.key] = { wrap, list, find, more, note, expanded: false };
    facetsEl.append(wrap);
  }
}

function orderValues(f, counts) {
  const entries = Object.entries(counts);
  if (f.order === "value-desc") {
    return entries.sort((a, b) => b[0].localeCompare(a[0], "en", { numeric: true }));
  }
  return entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], "en"));
}

function renderFacets() {
  const active = document.activeElement;
  const inFacets = Boolean(active) && facetsEl.contains(active);
  for (const f of FACETS) renderFacet(f);
  // A value that matches nothing is listed only while chosen: clearing it (the way out of
  // "0 papers") takes its box away. Focus then goes to the query, not to the page's top.
  if (inFacets && !facetsEl.contains(document.activeElement)) input.focus();
}

function renderFacet(f) {
  const ui = facetUi[f.key];
  const chosen = state.filters[f.key] || [];
  const counts = { ...(lastCounts[f.key] || {}) };
  for (const v of chosen) if (!(v in counts)) counts[v] = 0;   // a shared URL's value may match nothing
  let entries = orderValues(f, counts).filter(([v, n]) => n > 0 || chosen.includes(v));
  const query = ui.find ? ui.find.value.trim().toLocaleLowerCase() : "";
  let limit = ui.expanded ? Infinity : f.top;
  if (query) {
    entries = entries.filter(([v]) => v.toLocaleLowerCase().includes(query));
    limit = FIND_LIMIT;
  }
  const total = entries.length;
  // Selected values always stay in view, then the most frequent ones.
  const picked = entries.filter(([v]) => chosen.includes(v));
  const rest = entries.filter(([v]) => !chosen.includes(v));
  let visible = picked.concat(rest.slice(0, Math.max(0, limit - picked.length)));
  if (f.order === "value-desc") visible = orderValues(f, Object.fromEntries(visible));

  const active = document.activeElement && document.activeElement.id;
  ui.list.replaceChildren(...visible.map(([value, count]) => {
    const id = valueId(f.key, value);
    const box = el("input", { type: "checkbox", id, name: f.key, value });
    box.checked = chosen.includes(value);
    return el("li", {}, el("label", { for: id }, box,
      el("span", { class: "facet-value", text: value }),
      el("span", { class: "count", text: count.toLocaleString("en") })));
  }));
  if (active && document.activeElement === document.body) document.getElementById(active)?.focus();

  ui.wrap.hidden = total === 0 && !query;
  const hidden = total - visible.length;
  // Thousands of authors: the find box reaches them, not a list of all of them.
  const huge = f.find && total > 500;
  ui.more.hidden = Boolean(query) || huge || !(hidden > 0 || ui.expanded);
  ui.more.textContent = ui.expanded ? "Show fewer" : `Show all ${total.toLocaleString("en")}`;
  ui.more.setAttribute("aria-expanded", ui.expanded ? "true" : "false");
  if (ui.note) {
    ui.note.textContent = query
      ? `${total.toLocaleString("en")} matching` + (total > visible.length ? `, first ${visible.length} shown` : "")
      : (hidden > 0 && huge ? `Top ${visible.length} of ${total.toLocaleString("en")}; type to find others` : "");
  }
}

// --- start -------------------------------------------------------------------------------

// Results follow typing. The first pause in a new query adds a history entry and later
// ones replace it, so Back returns to the previous search, not to each keystroke (and a
// query typed with a pause before Enter does not overwrite the one before it).
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  state = { ...state, q: input.value.trim() };
  typedEntry = false;
  commit(true);
});
input.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    state = { ...state, q: input.value.trim() };
    if (commit(!typedEntry)) typedEntry = true;
  }, 250);
});
sortSelect.addEventListener("change", () => {
  state = { ...state, sort: sortSelect.value };
  typedEntry = false;
  commit(true);
});
moreButton.addEventListener("click", () => showMore(true));
// Clearing every filter is one new history entry, so Back brings them all back; the
// query and the sort stay. The button goes with the filters: focus goes to the query,
// as when a chosen filter's own box goes.
clearButton.addEventListener("click", () => {
  state = { ...state, filters: {} };
  typedEntry = false;
  clearButton.hidden = true;
  input.focus();
  commit(true);
});
window.addEventListener("popstate", () => {
  clearTimeout(typing);
  typedEntry = false;
  state = readState(location.search);
  input.value = state.q;
  sortSelect.value = state.sort;
  run();
});

async function start() {
  // Filters sit beside the results on a wide screen; on a phone they fold above them.
  if (window.matchMedia("(min-width: 721px)").matches) document.getElementById("search-filters").open = true;
  input.value = state.q;
  sortSelect.value = state.sort;
  showQueryInHeader();
  buildFacets();
  statusEl.textContent = "Loading search…";
  const base = root.dataset.base;
  try {
    const response = await fetch(base + "pagefind/papersite-search.json");
    if (!response.ok) throw new Error(`search manifest: HTTP ${response.status}`);
    const manifest = await response.json();
    everyPaper = manifest.every;
    if (!manifest.papers) {
      statusEl.textContent = "This site has no papers to search yet.";
      return;
    }
    const pagefind = await import(base + "pagefind/pagefind.js");
    const open = (s) => pagefind.createInstance({
      basePath: base + "pagefind/" + s.path, baseUrl: base, excerptLength: 30 });
    // Instances share one WebAssembly module, which the first one loads: the others may
    // start only when it is there. Loading every facet's values (filters()) makes each
    // search return their counts.
    const first = open(manifest.shards[0]);
    await first.filters();
    const rest = manifest.shards.slice(1).map(open);
    await Promise.all(rest.map((i) => i.filters()));
    shards = [first, ...rest];
  } catch (error) {
    console.error("search: cannot load the index:", error);
    shards = null;
    statusEl.textContent = "";
    resultsEl.replaceChildren(el("li", { class: "search-unavailable" },
      "Search is not available: this site was built without its search index. " +
      "(A preview builds it only with ", el("code", { text: "serve --search" }), ".)"));
    const facets = document.querySelector(".facets");   // nothing to filter
    if (facets) facets.hidden = true;
    return;
  }
  await run();
}

start();
