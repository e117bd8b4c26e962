/* peft-why's matcher in the browser: parse -> regex stage -> lexical stage -> fuse.
 *
 * A port of the Python matcher (matcher/parse.py, normalise.py, index.key_texts,
 * regex_stage.py, lexical.py, fuse.py) restricted to the two stages a browser can
 * reproduce exactly. The data (patterns, fusion constants, the BM25 index computed
 * by Python) comes from kb.json, generated at build time, so only the rules live here.
 * tests/docs checks that this file and `diagnose_text(text, stages=["regex", "lexical"])`
 * rank the same entry first on the KB's examples.
 *
 * Runs in a Web Worker: JavaScript regexes have no timeout, so the page can
 * terminate a worker that overruns its time budget.
 */
"use strict";

const STAGES = ["regex", "lexical", "fuzzy", "semantic", "version"];

// Python's str regexes are Unicode-aware; these stand-ins keep \w, \d and \b the same under the u flag.
const W = "[\\p{L}\\p{N}_]";
const D = "\\p{Nd}";
const WB = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
function py(source, flags = "") {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1];
      i++;
      if (next === "w") out += inClass ? "\\p{L}\\p{N}_" : W;
      else if (next === "d") out += D;
      else if (next === "b" && !inClass) out += WB;
      else out += c + next;
      continue;
    }
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    out += c;
  }
  return new RegExp(out, "u" + flags);
}

// ---- normalise.py -------------------------------------------------------------------------
const ANSI = /\x1B\][^\x07\x1B\n]*(?:\x07|\x1B\\)|(?:\x1B[@-Z\\-_]|[\x80-\x9A\x9C-\x9F]|(?:\x1B\[|\x9B)[0-?]*[ -/]*[@-~])/g;
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;
const HTML_ENTITY = /&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});/;
const NAMED_ENTITIES = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", hellip: "\u2026", mdash: "\u2014",
  ndash: "\u2013", lsquo: "\u2018", rsquo: "\u2019", ldquo: "\u201c", rdquo: "\u201d", copy: "\u00a9",
};

const URL_RE = py("\\bhttps?://[^\\s\"'<>)\\]]+", "g");
const EMAIL = py("\\b[\\w.+\\-]{1,64}@[\\w\\-]{1,63}(?:\\.[\\w\\-]{1,63}){1,8}\\b", "g");
const PATH = py("(?:(?<=[\\s\"'(=,\\[])|^)(?:[A-Za-z]:|~)?[\\\\/][^\\s\"'<>|]*?[\\\\/](?=(?:site|dist)-packages[\\\\/])", "gm");
const ENV_REST = py("<env>/(?:site|dist)-packages\\\\[^\\s\"'<>|]*", "g");
const HOME = py("(?:/home|/Users|/root|[A-Za-z]:\\\\Users)(?:[\\\\/][^\\s\"'/\\\\]+)?", "g");
const UUID = py("\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b", "g");
const OBJECT_AT = py("<([\\w.]{1,200}) object at 0x[0-9a-fA-F]+>", "g");
const TIMESTAMP = py(
  "\\b\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+\\-]\\d{2}:?\\d{2})?(?!\\d)" +
    "|\\b\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?|\\b\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?\\b",
  "g",
);
const HEX = py("\\b(?:0x[0-9a-fA-F]+|[0-9a-f]{12,40})\\b", "g");
const SIZE = /torch\.Size\(\[([^\]]{0,200})\]\)/g;
const NUMBER = py("(?<![A-Za-z_\\d.<])[\\-+]?\\d+(?:\\.\\d+)?(?:e[\\-+]?\\d+)?(?![A-Za-z_\\d])", "g");
const QUOTED = /'([^'\n]{1,200})'|"([^"\n]{1,200})"/g;
const IDENTIFIER = py("^[A-Za-z_][\\w.]*$");
const EMPTY_SIZE_TOKEN = "<torch-size-zero>";
const MAX_MASKED_LINE = 4000;
const DTYPES = new Set(
  "float16 bfloat16 float32 float64 half float int8 int4 uint8 fp16 bf16 fp32 nf4 fp4 Half Float BFloat16".split(" "),
);

function stripAnsi(text) {
  return text.replace(ANSI, "").replace(CONTROL, " ");
}

function unescapeHtml(text) {
  if (!HTML_ENTITY.test(text)) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z][a-zA-Z0-9]*);/g, (whole, body) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
    }
    return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, body) ? NAMED_ENTITIES[body] : whole;
  });
}

function mask(text) {
  if (text.length > MAX_MASKED_LINE && text.split("\n").some((line) => pyLen(line) > MAX_MASKED_LINE)) {
    text = text.split("\n").map((line) => pyHead(line, MAX_MASKED_LINE)).join("\n");
  }
  if (text.includes("://")) text = text.replace(URL_RE, "<url>");
  if (text.includes("@")) text = text.replace(EMAIL, "<email>");
  if (text.includes("-packages")) {
    text = text.replace(PATH, "<env>/");
    if (text.includes("\\")) text = text.replace(ENV_REST, (found) => found.replace(/\\/g, "/"));
  }
  if (["/home", "/Users", "/root", "\\Users"].some((part) => text.includes(part))) text = text.replace(HOME, "<home>");
  text = text.replace(UUID, "<uuid>");
  if (text.includes(" object at 0x")) text = text.replace(OBJECT_AT, "<$1 object>");
  text = text.replace(TIMESTAMP, "<time>");
  text = text.replace(HEX, (word) => (word.startsWith("0x") || /\d/.test(word) ? "<hex>" : word));
  if (text.includes("Size([")) {
    text = text.replace(SIZE, (_m, dims) => {
      const parts = dims.split(",").map(pyStrip).filter((d) => d);
      if (parts.length === 1 && parts[0] === "0") return EMPTY_SIZE_TOKEN;
      return "torch.Size([" + parts.map(() => "<n>").join(", ") + "])";
    });
  }
  text = text.replace(QUOTED, (_m, single, double) => {
    const inner = single !== undefined ? single : double;
    const quote = single !== undefined ? "'" : '"';
    if (DTYPES.has(inner) || (IDENTIFIER.test(inner) && pyLen(inner) <= 60) || inner.includes("<env>/")) {
      return quote + inner + quote;
    }
    return quote + "<str>" + quote;
  });
  text = text.replace(NUMBER, "<n>");
  return text.split(EMPTY_SIZE_TOKEN).join("torch.Size([0])");
}

// Python indexes strings by code point, JavaScript by UTF-16 unit.
function pyLen(text) {
  let n = 0;
  for (const _ of text) n++; // eslint-disable-line no-unused-vars
  return n;
}
function pyHead(text, n) {
  return text.length <= n ? text : Array.from(text).slice(0, n).join("");
}
function pyTail(text, n) {
  if (text.length <= n) return text;
  const chars = Array.from(text);
  return chars.slice(Math.max(0, chars.length - n)).join("");
}
function pyStrip(text) {
  return text.replace(/^\s+|\s+$/gu, "");
}
function pyRstrip(text) {
  return text.replace(/\s+$/u, "");
}

// ---- parse.py -------------------------------------------------------------------------------
const FRAME = py('^\\s*File "(?<path>[^"]+)", line (?<lineno>\\d+)(?:, in (?<func>[^\\n]+?))?\\s*$');
const TRACEBACK_HEAD = py("^\\s*Traceback \\(most recent call last\\):\\s*$");
const CAUSE = py("^\\s*The above exception was the direct cause of the following exception:");
const CONTEXT = py("^\\s*During handling of the above exception, another exception occurred:");
const EXC_LINE = py(
  "^(?<type>(?:[A-Za-z_][\\w]*\\.)*(?:[A-Z][\\w]*(?:Error|Exception|Warning|Interrupt|Exit|Failure|Fault)" +
    "|Exception|StopIteration|KeyError|OSError))(?::\\s?(?<msg>[^\\n]*))?\\s*$",
);
const WARNING_LINE = py(
  "(?:^|:\\d+: |\\bWARNING[:\\]]?\\s*(?:[\\w.]+:)?\\s*)(?<cat>[A-Z]\\w*Warning): (?<msg>[^\\n]+)$",
);
const LOG_WARNING = py("^(?:\\[?\\d[\\d\\-: ,.T]*\\]?\\s*)?(?:WARNING|WARN)\\b[^:]*:\\s*(?<msg>[^\\n]+)$");
const PYTEST_E = py("^E\\s{1,3}");
const RANK_PREFIX = py("^\\s*(?:\\[(?:rank|default)\\d+\\]:|\\[\\d+\\]\\s*<stderr>:|rank\\d+:)\\s?");
const FENCE = py("^\\s*(?:`{3,}|~{3,})\\s*[\\w+\\-]*\\s*$");

function decodeLines(raw) {
  let text = stripAnsi(raw.replace(/\r\n/g, "\n"));
  text = unescapeHtml(text);
  const lines = [];
  const lineMap = [];
  text.split("\n").forEach((original, i) => {
    let line = original;
    if (line.includes("\r")) {
      const parts = line.replace(/\r+$/, "").split("\r");
      line = parts[parts.length - 1];
    }
    if (RANK_PREFIX.test(line)) line = line.replace(RANK_PREFIX, "");
    if (PYTEST_E.test(line)) line = line.replace(PYTEST_E, "");
    if (FENCE.test(line)) return;
    lines.push(pyRstrip(line));
    lineMap.push(i + 1);
  });
  return { lines, lineMap };
}

function continues(previous) {
  return /[:,([{]$/.test(pyRstrip(previous));
}
function indented(line) {
  return line.startsWith(" ") || line.startsWith("\t");
}

function exceptionMessage(lines, index, first) {
  const parts = [first];
  let consumed = 1;
  for (const follow of lines.slice(index + 1)) {
    if (!pyStrip(follow) || TRACEBACK_HEAD.test(follow) || CAUSE.test(follow) || CONTEXT.test(follow)) break;
    if (FRAME.test(follow) || (EXC_LINE.test(pyStrip(follow)) && !indented(follow))) break;
    if (!indented(follow) && !continues(parts[parts.length - 1])) break;
    parts.push(pyStrip(follow));
    consumed++;
  }
  return [pyStrip(parts.join("\n")), consumed];
}

function exceptionChain(lines, lineMap) {
  const blocks = [];
  let inTraceback = false;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    const stripped = pyStrip(line);
    let found;
    if (TRACEBACK_HEAD.test(line)) {
      inTraceback = true;
    } else if (CAUSE.test(line) || CONTEXT.test(line)) {
      // links between chained exceptions do not change what the two stages see
    } else if (FRAME.test(line)) {
      inTraceback = true;
    } else if ((found = EXC_LINE.exec(stripped)) !== null && (inTraceback || stripped.includes(":") || /(?:Error|Exception)$/.test(stripped))) {
      const [message, consumed] = exceptionMessage(lines, index, found.groups.msg || "");
      const type = found.groups.type;
      blocks.push({ type, message, line: lineMap[index], headline: message ? `${type}: ${message}` : type });
      inTraceback = false;
      index += consumed;
      continue;
    }
    index++;
  }
  return blocks;
}

function warningLines(lines, lineMap) {
  const found = [];
  lines.forEach((line, i) => {
    const match = WARNING_LINE.exec(line);
    if (match) {
      found.push({ category: match.groups.cat, message: pyStrip(match.groups.msg), line: lineMap[i] });
      return;
    }
    const logged = LOG_WARNING.exec(pyStrip(line));
    if (logged) found.push({ category: "warning", message: pyStrip(logged.groups.msg), line: lineMap[i] });
  });
  return found;
}

function parse(raw) {
  const { lines, lineMap } = decodeLines(raw);
  const text = lines.join("\n");
  return {
    text,
    lines,
    lineMap,
    normalised: mask(text),
    exceptions: exceptionChain(lines, lineMap),
    warnings: warningLines(lines, lineMap),
  };
}

// index.key_texts: exception lines, warnings, else the prose.
function keyTexts(trace, maxChars) {
  const texts = trace.exceptions.slice(-2).map((b) => pyHead(mask(b.headline), maxChars));
  for (const w of trace.warnings.slice(0, 3)) texts.push(pyHead(mask(`${w.category}: ${w.message}`), maxChars));
  if (!texts.length) {
    const prose = trace.normalised.split("\n").map(pyStrip).filter((l) => l).join(" ");
    if (prose) texts.push(pyTail(prose, maxChars));
  }
  return texts;
}

// ---- regex_stage.py ---------------------------------------------------------------------------
function typeMatches(printed, names) {
  const short = printed.split(".").pop();
  return names.some((name) => name === printed || name === short || name.split(".").pop() === short);
}

function shortPattern(pattern, limit = 60) {
  return `"${pyLen(pattern) <= limit ? pattern : pyHead(pattern, limit - 1) + "\u2026"}"`;
}

function symptomHit(trace, symptom, hits) {
  const pattern = symptom.compiled;
  const label = shortPattern(symptom.source);
  if (symptom.scope === "message" || symptom.scope === "any") {
    for (const block of [...trace.exceptions].reverse()) {
      if (symptom.exception.length && !typeMatches(block.type, symptom.exception)) continue;
      if (pattern.test(block.message) || pattern.test(block.headline)) {
        return { score: hits.exception_hit, line: block.line, detail: `pattern ${label} matched the ${block.type.split(".").pop()} message` };
      }
    }
  }
  if (symptom.scope === "warning") {
    for (const w of trace.warnings) {
      if (pattern.test(w.message)) return { score: hits.exception_hit, line: w.line, detail: `pattern ${label} matched a ${w.category}` };
    }
  }
  if (symptom.scope === "traceback") {
    const found = pattern.exec(trace.text);
    if (!found) return null;
    const before = trace.text.slice(0, found.index).split("\n").length - 1;
    return { score: hits.traceback_hit, line: trace.lineMap[before] || before + 1, detail: `pattern ${label} matched the traceback` };
  }
  if (symptom.exception.length && trace.exceptions.some((b) => typeMatches(b.type, symptom.exception))) return null;
  for (let i = 0; i < trace.lines.length; i++) {
    if (pattern.test(trace.lines[i])) return { score: hits.line_hit, line: trace.lineMap[i], detail: `pattern ${label} matched line text` };
  }
  return null;
}

function regexCandidates(trace, kb, deadline) {
  const out = [];
  let complete = true;
  for (const entry of kb.entries) {
    if (performance.now() > deadline) {
      complete = false;
      break;
    }
    let best = null;
    for (const symptom of entry.symptoms) {
      if (!symptom.compiled) continue;
      const hit = symptomHit(trace, symptom, kb.regex);
      if (hit && (best === null || hit.score > best.score)) best = hit;
    }
    if (best) out.push({ stage: "regex", entryId: entry.id, ...best });
  }
  return { candidates: out, complete };
}

// ---- lexical.py ---------------------------------------------------------------------------------
const RUNS = /([a-z0-9_]+)|([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+)/g;

function tokens(text) {
  const out = [];
  const lowered = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  for (const found of lowered.matchAll(RUNS)) {
    if (found[1] !== undefined) {
      const word = found[1].replace(/^_+|_+$/g, "");
      if (word.length >= 2) {
        out.push(word);
        if (word.includes("_")) for (const part of word.split("_")) if (part.length >= 2) out.push(part);
      }
    } else {
      const cjk = found[2];
      if (cjk.length === 1) out.push(cjk);
      else for (let i = 0; i < cjk.length - 1; i++) out.push(cjk.slice(i, i + 2));
    }
  }
  return out;
}

function lexicalCandidates(trace, lexical, limit = 20) {
  if (!lexical) return [];
  const query = tokens(keyTexts(trace, lexical.max_doc_chars).join("\n"));
  if (!query.length) return [];
  const raw = new Map();
  const parts = new Map();
  let denominator = 0;
  for (const token of new Set(query)) {
    if (!Object.prototype.hasOwnProperty.call(lexical.idf, token)) continue;
    const idf = lexical.idf[token];
    denominator += idf * (lexical.k1 + 1);
    for (const [number, weight] of lexical.postings[token]) {
      const part = idf * weight;
      raw.set(number, (raw.get(number) || 0) + part);
      if (!parts.has(number)) parts.set(number, []);
      parts.get(number).push([part, token]);
    }
  }
  if (denominator <= 0) return [];
  const ranked = [...raw.entries()]
    .map(([number, value]) => [value / denominator, lexical.entry_ids[number], number])
    .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const out = [];
  for (const [score, entryId, number] of ranked.slice(0, limit)) {
    if (score < lexical.min_score) break;
    const shared = parts
      .get(number)
      .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : 1))
      .slice(0, 4)
      .map((p) => `'${p[1]}'`);
    out.push({ stage: "lexical", entryId, score, line: 0, detail: `shares ${shared.join(", ")} (bm25 ${score.toFixed(2)})` });
  }
  return out;
}

// ---- fuse.py -------------------------------------------------------------------------------------
function confidenceOf(score, fuse) {
  return score >= fuse.high ? "high" : score >= fuse.medium ? "medium" : "low";
}

function fuseCandidates(stages, kb) {
  const byEntry = new Map();
  for (const stage of STAGES) for (const c of stages[stage] || []) {
    if (!byEntry.has(c.entryId)) byEntry.set(c.entryId, []);
    byEntry.get(c.entryId).push(c);
  }
  const ranked = [];
  for (const [entryId, candidates] of byEntry) {
    const entry = kb.byId.get(entryId);
    if (!entry) continue;
    const strongest = new Map();
    for (const c of candidates) strongest.set(c.stage, Math.max(strongest.get(c.stage) || 0, c.score));
    let miss = 1;
    for (const [stage, score] of strongest) miss *= 1 - (kb.fuse.weights[stage] || 0) * Math.max(0, Math.min(1, score));
    let score = 1 - miss;
    if (entry.generic) score *= kb.fuse.generic_factor;
    if (score < kb.fuse.threshold) continue;
    const evidence = [...candidates]
      .sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage) || b.score - a.score)
      .map((c) => ({ stage: c.stage, detail: c.detail, line: c.line, score: c.score }));
    const bestStage = Math.min(...candidates.map((c) => STAGES.indexOf(c.stage)));
    ranked.push({ key: [-score, bestStage, entryId], diagnosis: { id: entryId, title: entry.title, area: entry.area, score, confidence: confidenceOf(score, kb.fuse), evidence } });
  }
  ranked.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.key[2] < b.key[2] ? -1 : a.key[2] > b.key[2] ? 1 : 0));
  return ranked.map((r) => r.diagnosis);
}

// ---- the worker ----------------------------------------------------------------------------------
function prepareKb(data) {
  const broken = [];
  for (const entry of data.entries) {
    for (const symptom of entry.symptoms) {
      symptom.source = (symptom.flags ? `(?${symptom.flags})` : "") + symptom.body;
      try {
        symptom.compiled = new RegExp(symptom.body, symptom.flags);
      } catch (error) {
        symptom.compiled = null; // `kb lint` rejects these; a stale export must not break the page
        broken.push(`${entry.id}: ${error.message}`);
      }
    }
  }
  data.byId = new Map(data.entries.map((e) => [e.id, e]));
  data.broken = broken;
  return data;
}

function diagnose(kb, text, budgetMs = 1500, top = 5) {
  const started = performance.now();
  const trace = parse(text);
  const regex = regexCandidates(trace, kb, started + budgetMs);
  const lexical = lexicalCandidates(trace, kb.lexical);
  const results = fuseCandidates({ regex: regex.candidates, lexical }, kb).slice(0, top);
  const stages = kb.lexical ? ["regex", "lexical"] : ["regex"];
  return { results, complete: regex.complete, ms: performance.now() - started, stages };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { parse, mask, tokens, keyTexts, prepareKb, diagnose }; // for Node-side checks
} else {
  let kbPromise = null;
  self.onmessage = (event) => {
    const { id, text, budgetMs = 1500, top = 5, kbUrl = "kb.json" } = event.data;
    if (!kbPromise) {
      kbPromise = fetch(new URL(kbUrl, self.location.href).href).then((response) => {
        if (!response.ok) throw new Error(`could not load the knowledge base (HTTP ${response.status})`);
        return response.json().then(prepareKb);
      });
    }
    kbPromise
      .then((kb) => self.postMessage({ id, ok: true, entries: kb.entries.length, ...diagnose(kb, text, budgetMs, top) }))
      .catch((error) => self.postMessage({ id, ok: false, error: String((error && error.message) || error) }));
  };
}
