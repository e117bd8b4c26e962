/* The paste page: a text box, a Web Worker that runs the matcher, and the ranked results.
 *
 * `#q=<paste>` (a URL fragment, so the paste never reaches the server) pre-fills the box and runs
 * the match at once; the CLI prints such links when it finds nothing and PEFT_WHY_DOCS_URL is set.
 * The worker gets a time budget; one that overruns it (a pathological regex) is terminated.
 */
(function () {
  "use strict";

  const BUDGET_MS = 1500; // the regex stage stops starting new patterns after this
  const WATCHDOG_MS = 4000; // a worker silent for this long is stuck inside one regex: kill it
  const script = document.currentScript;
  const workerUrl = new URL("matcher.worker.js", script.src).href;
  const entriesUrl = new URL("../entries/", script.src).href;

  const form = document.getElementById("paste-form");
  const box = document.getElementById("paste");
  const list = document.getElementById("results");
  const status = document.getElementById("paste-status");
  const empty = document.getElementById("no-match");
  const sources = document.getElementById("sources");
  const sourceList = document.getElementById("source-list");

  let worker = null;
  let nextId = 1;
  const pending = new Map();

  function startWorker() {
    worker = new Worker(workerUrl);
    worker.onmessage = (event) => {
      const job = pending.get(event.data.id);
      if (!job) return;
      pending.delete(event.data.id);
      clearTimeout(job.timer);
      if (event.data.ok) job.resolve(event.data);
      else job.reject(new Error(event.data.error));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      failAll(new Error("the matcher could not start: " + (event.message || "worker error")));
    };
  }

  function failAll(error) {
    for (const job of pending.values()) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    pending.clear();
    if (worker) worker.terminate();
    worker = null;
  }

  /** Match one text; resolves to {results, sources, complete, ms, stages}. Also used by the browser tests. */
  function match(text, top = 5) {
    if (!worker) startWorker();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => failAll(new Error("the matcher ran out of time on this paste")), WATCHDOG_MS);
      pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, text, top, budgetMs: BUDGET_MS });
    });
  }

  /** The shared redactor (redact.js) with the table the docs build exported (redactions.js). */
  function redact(text) {
    return window.peftWhyRedact(text, window.peftWhyRedactions);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The source answers (library messages the paste shows): text nodes only, never markup. */
  function renderSources(found) {
    sourceList.replaceChildren();
    sources.hidden = found.length === 0;
    for (const s of found) {
      const item = element("li", "pw-source");
      item.dataset.sourceId = s.id;
      const message = element("pre", "pw-source__message");
      message.append(element("code", null, (s.exception && s.kind !== "log" ? s.exception + ": " : "") + s.message));
      const where = element("div", "pw-source__where");
      where.append(element("strong", null, s.package), document.createTextNode(" "), element("code", null, s.file));
      where.append(document.createTextNode(" · "), element("code", null, s.function));
      const facts = element("ul", "pw-source__facts");
      const fact = (label, ...nodes) => {
        const li = element("li");
        li.append(element("span", "pw-stage", label), document.createTextNode(" "), ...nodes);
        facts.append(li);
      };
      const verb = { raise: "raises", warn: "warns", log: "logs" }[s.kind] || s.kind;
      fact("emits", document.createTextNode(verb + " "), element("code", null, s.exception));
      if (s.condition) fact("when", element("code", null, s.condition));
      fact("releases", document.createTextNode(`${s.package} ${s.first} – ${s.last}`));
      if (s.linked.length) {
        const links = s.linked.map((id) => {
          const a = element("a", null, id);
          a.href = entriesUrl + encodeURIComponent(id) + "/";
          return a;
        });
        fact("curated", ...links.flatMap((a, i) => (i ? [document.createTextNode(", "), a] : [a])));
      }
      fact("id", element("code", null, s.id + (s.line ? ` (line ${s.line})` : "")));
      item.append(message, where, facts);
      sourceList.append(item);
    }
  }

  function render(reply) {
    list.replaceChildren();
    const found = reply.sources || [];
    renderSources(found);
    empty.hidden = reply.results.length > 0 || found.length > 0;
    reply.results.forEach((d, rank) => {
      const item = element("li", "pw-result pw-result--" + d.confidence);
      item.dataset.entryId = d.id;
      const head = element("div", "pw-result__head");
      const link = element("a", "pw-result__title", d.title);
      link.href = entriesUrl + encodeURIComponent(d.id) + "/";
      head.append(link);
      const meta = element("div", "pw-result__meta");
      meta.append(element("code", "pw-result__id", d.id));
      meta.append(element("span", "pw-chip pw-chip--" + d.confidence, d.confidence));
      const bar = element("span", "pw-score");
      bar.title = "fused score " + d.score.toFixed(2);
      const fill = element("span", "pw-score__fill");
      fill.style.width = Math.round(d.score * 100) + "%";
      bar.append(fill);
      meta.append(bar, element("span", "pw-score__value", d.score.toFixed(2)));
      if (rank === 0) meta.append(element("span", "pw-chip pw-chip--best", "best match"));
      const why = element("ul", "pw-evidence");
      for (const e of d.evidence.slice(0, 3)) {
        const li = element("li");
        li.append(element("span", "pw-stage", e.stage), document.createTextNode(" " + e.detail + (e.line ? " (line " + e.line + ")" : "")));
        why.append(li);
      }
      item.append(head, meta, why);
      list.append(item);
    });
    const partial = reply.complete ? "" : " (time budget reached: some patterns were skipped)";
    const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;
    const took = `${reply.ms.toFixed(0)} ms${partial}`;
    const searched = count(reply.entries, "entry", "entries");
    const fromSource = found.length ? ` · ${count(found.length, "library message", "library messages")} from the source` : "";
    const missing = reply.sourcesError ? ` · source answers unavailable: ${reply.sourcesError}` : "";
    status.textContent = reply.results.length
      ? `${count(reply.results.length, "match", "matches")} · ${searched} · ${reply.stages.join(" + ")}${fromSource} · ${took}${missing}`
      : `no match among ${searched}${fromSource} · ${took}${missing}`;
  }

  let runs = 0;
  function run() {
    const text = box.value;
    const mine = ++runs;
    if (!text.trim()) {
      list.replaceChildren();
      renderSources([]);
      empty.hidden = true;
      status.textContent = "";
      return;
    }
    status.textContent = "matching…";
    match(text).then(
      (reply) => mine === runs && render(reply),
      (error) => {
        if (mine !== runs) return;
        list.replaceChildren();
        renderSources([]);
        empty.hidden = true;
        status.textContent = error.message;
      },
    );
  }

  function fromFragment() {
    const found = /^#q=([\s\S]*)$/.exec(window.location.hash);
    if (!found) return;
    let text;
    try {
      text = decodeURIComponent(found[1]);
    } catch (_error) {
      status.textContent = "the link's #q= text is not valid URL encoding";
      return;
    }
    box.value = redact(text);
    run();
  }

  let typing = null;
  box.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(run, 250);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  document.getElementById("paste-clear").addEventListener("click", () => {
    box.value = "";
    run();
    box.focus();
  });
  document.getElementById("paste-link").addEventListener("click", () => {
    if (!box.value.trim()) return;
    const url = `${window.location.pathname}#q=${encodeURIComponent(redact(box.value))}`;
    window.history.replaceState(null, "", url); // no hashchange: the results already show this paste
    const copied = navigator.clipboard ? navigator.clipboard.writeText(window.location.href) : Promise.reject();
    copied.then(
      () => (status.textContent = "link copied (tokens, keys, passwords, e-mails and user names redacted)"),
      () => (status.textContent = "the address bar now holds a link to this paste (redacted)"),
    );
  });
  window.addEventListener("hashchange", fromFragment);
  window.peftWhy = { match, redact };
  fromFragment();
})();
