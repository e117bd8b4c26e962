/* peft-why's matcher in the browser: parse -> the declared stages -> fuse.
 *
 * The loops of the Python matcher (matcher/formats.py, parse.py, normalise.py, index.key_texts,
 * regex_stage.py, lexical.py, fuse.py), and nothing else: every rule they apply arrives as data in
 * kb.json, exported at build time by docs/hooks/kb_site.py from the modules that own it: the
 * masking and decoding patterns, the HTML entity tables, the frame and exception patterns, the
 * tokeniser rules and BM25 postings, the fusion, calibration and abstention constants, and the
 * stage set this front end runs (matcher.front_ends.FRONT_ENDS["browser"]). Python patterns reach
 * here already translated to JavaScript (kb_site.js_regex). This file holds no regex literal
 * except the two str-method stand-ins in PY_STR; tests/docs/test_port.py checks both, and that
 * this file ranks every KB example and alias as `diagnose_text(text, stages=<browser set>)` does.
 *
 * When no curated pattern fires, the catalogue lookup of matcher/catalogue.py and source.py runs on
 * catalogue.json (kb_site.catalogue_export: the library messages as JavaScript regexes, with the
 * links to curated entries computed in Python), fetched once, only then; its findings come back as
 * `sources` beside `results` (tests/docs/test_source_port.py). Not ported: version notes (the page
 * reads no versions) and the per-search timeout (the watchdog below stands in for it).
 *
 * Runs in a Web Worker: JavaScript regexes have no timeout, so the page can
 * terminate a worker that overruns its time budget.
 */
"use strict";

const IMPLEMENTED = ["regex", "lexical"]; // the stages whose loops live here

// The exported rules, compiled once (useRules). Per exported pattern: R searches (Python's .search),
// G replaces every match (.sub), S anchors at the start through match(name, text) (Python's .match);
// C holds the exported constants.
let R = {};
let G = {};
let S = {};
let C = {};
let STAGES = [];

function useRules(rules, stages) {
  R = {};
  G = {};
  S = {};
  for (const [name, { source, flags }] of Object.entries(rules.patterns)) {
    R[name] = new RegExp(source, flags);
    G[name] = new RegExp(source, flags + "g");
    S[name] = new RegExp(source, flags + "y");
  }
  C = { ...rules.constants, DTYPES: new Set(rules.constants.DTYPES), PREFIX_START: new Set(rules.constants.PREFIX_START) };
  C.HTML_INVALID_CODEPOINTS = new Set(rules.constants.HTML_INVALID_CODEPOINTS);
  STAGES = stages;
}

function match(name, text) {
  const sticky = S[name];
  sticky.lastIndex = 0;
  return sticky.exec(text);
}

// Python str methods that have no pattern in the Python code: str.isalpha() and str.isupper() on
// one character (Unicode categories L, and the Uppercase property).
const PY_STR = { isalpha: /^\p{L}$/u, isupper: /^\p{Uppercase}$/u };

// ---- normalise.py -------------------------------------------------------------------------
function stripAnsi(text) {
  return text.replace(G.ANSI, "").replace(G.CONTROL, " ");
}

// html.unescape: the standard library's own charref pattern and tables, exported.
function unescapeHtml(text) {
  if (!text.includes("&")) return text;
  return text.replace(G.HTML_CHARREF, (whole, body) => {
    if (body[0] === "#") {
      const hex = body[1] === "x" || body[1] === "X";
      const digits = body.slice(hex ? 2 : 1).replace(";", "");
      const code = parseInt(digits, hex ? 16 : 10);
      if (Object.prototype.hasOwnProperty.call(C.HTML_INVALID_CHARREFS, String(code))) return C.HTML_INVALID_CHARREFS[String(code)];
      if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return "\ufffd";
      if (C.HTML_INVALID_CODEPOINTS.has(code)) return "";
      return String.fromCodePoint(code);
    }
    if (Object.prototype.hasOwnProperty.call(C.HTML_NAMED, body)) return C.HTML_NAMED[body];
    for (let x = body.length - 1; x > 1; x--) {
      const head = body.slice(0, x);
      if (Object.prototype.hasOwnProperty.call(C.HTML_NAMED, head)) return C.HTML_NAMED[head] + body.slice(x);
    }
    return "&" + body;
  });
}

function mask(text) {
  const max = C.MAX_MASKED_LINE;
  if (text.length > max && text.split("\n").some((line) => pyLen(line) > max)) {
    text = text.split("\n").map((line) => pyHead(line, max)).join("\n");
  }
  if (text.includes("://")) text = text.replace(G.URL, "<url>");
  if (text.includes("@")) text = text.replace(G.EMAIL, "<email>");
  if (text.includes("-packages")) {
    text = text.replace(G.PATH, "<env>/");
    if (text.includes("\\")) text = text.replace(G.ENV_REST, (found) => found.split("\\").join("/"));
  }
  if (["/home", "/Users", "/root", "\\Users"].some((part) => text.includes(part))) text = text.replace(G.HOME, "<home>");
  text = text.replace(G.UUID, "<uuid>");
  if (text.includes(" object at 0x")) text = text.replace(G.OBJECT_AT, "<$1 object>");
  text = text.replace(G.TIMESTAMP, "<time>");
  text = text.replace(G.HEX, (word) => (word.startsWith("0x") || [...word].some(isDigit) ? "<hex>" : word));
  if (text.includes("Size([")) {
    text = text.replace(G.SIZE, (_m, dims) => {
      const parts = dims.split(",").map(pyStrip).filter((d) => d);
      if (parts.length === 1 && parts[0] === "0") return C.EMPTY_SIZE_TOKEN;
      return "torch.Size([" + parts.map(() => "<n>").join(", ") + "])";
    });
  }
  text = text.replace(G.QUOTED, (_m, single, double) => {
    const inner = single !== undefined ? single : double;
    const quote = single !== undefined ? "'" : '"';
    if (C.DTYPES.has(inner) || (match("IDENTIFIER", inner) && pyLen(inner) <= 60) || inner.includes("<env>/")) {
      return quote + inner + quote;
    }
    return quote + "<str>" + quote;
  });
  text = text.replace(G.NUMBER, "<n>");
  return text.split(C.EMPTY_SIZE_TOKEN).join("torch.Size([0])");
}

function isDigit(c) {
  return c >= "0" && c <= "9"; // HEX matched only [0-9a-fA-F]: ASCII digits are all str.isdigit() can see
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
  return pyRstrip(text.replace(G.LSTRIP, ""));
}
function pyRstrip(text) {
  return text.replace(G.RSTRIP, "");
}
function pyLstripLength(line) {
  return line.length - line.replace(G.LSTRIP, "").length;
}

// ---- formats.py (decode) and parse.py -------------------------------------------------------
// Ported: log/launcher/pytest prefixes, fences, HTML, redraws, CPython/IPython/pytest frames, chained
// exceptions, multi-line messages, warnings, inline "SomeError: ..." in prose, launcher errors set aside.
// Markdown quotes, one rank of a multi-rank log, ExceptionGroup gutters, rich panels. Not needed by the
// two stages and so not ported: frame code lines, versions, notes.
function lastRedraw(line) {
  const segments = line.split("\r");
  for (let i = segments.length - 1; i >= 0; i--) if (pyStrip(segments[i])) return segments[i];
  return "";
}

function stripPrefixes(line) {
  for (let round = 0; round < 4; round++) {
    const text = line.text;
    let found;
    if ((found = match("RANK", text)) !== null) {
      const key = found.groups.host || String(parseInt(found.groups.rank || found.groups.mpi, 10));
      if (line.rank === null) line.rank = key;
      line.text = text.slice(found[0].length);
    } else if ((found = match("GLOG", text)) !== null) {
      line.level = { W: "WARNING", E: "ERROR", F: "FATAL" }[found.groups.sev] || "INFO";
      line.stamped = true;
      line.text = text.slice(found[0].length);
    } else if ((found = match("STAMPED", text)) !== null || (found = match("LEVELLED", text)) !== null) {
      const level = R.LEVEL_WORD.exec(found[0]);
      if (level) line.level = level[0];
      line.stamped = true;
      line.text = text.slice(found[0].length);
    } else if ((found = match("PYTEST_E", text)) !== null) {
      line.pytestE = true;
      line.text = text.slice(found[0].length);
    } else {
      break;
    }
  }
  line.text = pyRstrip(line.text);
  return line;
}

function newLine(text, number) {
  return { text, number, rank: null, level: "", stamped: false, pytestE: false, afterBreak: false };
}

function decode(raw) {
  const isHtml = R.HTML_ENTITY.test(raw);
  let text = raw.split("\r\n").join("\n");
  if (!text.includes("\n")) text = text.split("\r").join("\n");
  text = stripAnsi(text);
  let items = [];
  let pendingBreak = false;
  text.split("\n").forEach((original, i) => {
    const line = original.includes("\r") ? lastRedraw(original) : original;
    let pieces = [line];
    if (isHtml && (line.includes("&") || line.includes("<"))) pieces = unescapeHtml(line.replace(G.HTML_TAG, "")).split("\n");
    for (const piece of pieces) {
      const item = newLine(piece, i + 1);
      if (C.PREFIX_START.has(piece.slice(0, 1))) stripPrefixes(item);
      else item.text = pyRstrip(piece);
      if ((item.text.includes("```") || item.text.includes("~~~")) && match("FENCE", item.text)) {
        pendingBreak = true;
        continue;
      }
      item.afterBreak = pendingBreak;
      pendingBreak = false;
      items.push(item);
    }
  });
  items = oneRank(unbold(unquote(items)));
  return unwrapGroups(items);
}

// formats._unquote: Markdown "> " quoting, only on runs that hold a traceback or an error line.
function unquote(items) {
  const result = [];
  let index = 0;
  while (index < items.length) {
    let end = index;
    while (end < items.length && items[end].text.startsWith(">")) end++;
    if (end === index) {
      result.push(items[index++]);
      continue;
    }
    const run = items.slice(index, end);
    if (!run.some((item) => R.QUOTED_ERROR.test(item.text))) {
      result.push(...run);
    } else {
      let pendingBreak = false;
      for (const item of run) {
        item.text = item.text.replace(R.QUOTE, ""); // count=1: the first match only
        if (C.PREFIX_START.has(item.text.slice(0, 1))) stripPrefixes(item);
        if (match("FENCE", item.text)) {
          pendingBreak = true;
          continue;
        }
        item.afterBreak = item.afterBreak || pendingBreak;
        pendingBreak = false;
        result.push(item);
      }
      if (pendingBreak && end < items.length) items[end].afterBreak = true;
    }
    index = end;
  }
  return result;
}

// formats._unbold: the Markdown bold markers around an error line, the closing one within its paragraph.
function unbold(items) {
  items.forEach((item, index) => {
    if (!item.text.includes("**") && !item.text.includes("__")) return;
    const opened = match("BOLD_ERROR", item.text);
    if (opened === null) return;
    const mark = opened.groups.mark;
    item.text = opened.groups.ind + item.text.slice(opened[0].length);
    for (const follow of items.slice(index, index + C.BOLD_LINES)) {
      if (follow !== item && !follow.text.trim()) break;
      const at = follow.text.indexOf(mark);
      if (at >= 0) {
        follow.text = pyRstrip(follow.text.slice(0, at) + follow.text.slice(at + mark.length));
        break;
      }
    }
  });
  return items;
}

function rootCause(lines) {
  let rank = null;
  let inRoot = false;
  for (const line of lines) {
    let found;
    if (match("ROOT_CAUSE", line)) inRoot = true;
    else if (inRoot && (found = match("ROOT_RANK", line)) !== null) rank = String(parseInt(found[1], 10));
    else if (inRoot && rank !== null && match("ROOT_EXIT", line)) return rank;
  }
  return rank;
}

// formats._one_rank: keep one copy of multi-rank output (the root-cause rank, else the first to fail).
function oneRank(items) {
  const ranks = [...new Set(items.filter((i) => i.rank !== null).map((i) => i.rank))];
  if (ranks.length < 2) return items;
  let chosen = rootCause(items.map((i) => i.text));
  if (chosen === null || !ranks.includes(chosen)) {
    const failing = items.find((i) => i.rank !== null && i.text.includes("Traceback (most recent"));
    chosen = failing ? failing.rank : ranks[0];
  }
  return items.filter((i) => i.rank === null || i.rank === chosen);
}

// formats._opens_headless_panel: a rich panel row holding a frame header (pasted below its top border).
function opensHeadlessPanel(text) {
  if (!text.includes("│")) return false;
  const row = match("RICH_ROW", text);
  return row !== null && match("RICH_HEADER", row.groups.inner) !== null;
}

// formats._unwrap_frames: ExceptionGroup gutters and rich panel borders.
function unwrapGroups(items) {
  const out = { lines: [], lineMap: [], levels: [], stamped: [], pytestE: [], breaks: [], depths: [], rich: [] };
  let groupBase = null;
  let inRich = false;
  let pendingBreak = false;
  for (const item of items) {
    let text = item.text;
    let depth = 0;
    let rich = false;
    let found;
    if (text.includes("+ Exception Group") && (found = match("GROUP_HEAD", text)) !== null) {
      groupBase = found.groups.ind.length;
      text = found.groups.ind + found.groups.rest;
    } else if (groupBase !== null) {
      if (match("GROUP_SEPARATOR", text)) {
        pendingBreak = true;
        continue;
      }
      const gutter = match("GROUP_GUTTER", text);
      if (gutter === null) groupBase = null;
      else {
        depth = Math.max(0, Math.floor((gutter.groups.ind.length - groupBase) / 2));
        text = gutter.groups.rest;
      }
    }
    if (text.includes("╭") && match("RICH_TOP", text)) {
      inRich = true;
      text = "Traceback (most recent call last):";
    } else if (inRich || opensHeadlessPanel(text)) {
      inRich = true;
      if (match("RICH_BOTTOM", text)) {
        inRich = false;
        pendingBreak = true;
        continue;
      }
      const row = match("RICH_ROW", text);
      if (row === null) inRich = false;
      else {
        text = pyRstrip(row.groups.inner);
        rich = true;
        if (text.startsWith(" ")) text = text.slice(1);
      }
    }
    out.lines.push(text);
    out.lineMap.push(item.number);
    out.levels.push(item.level);
    out.stamped.push(item.stamped);
    out.pytestE.push(item.pytestE);
    out.breaks.push(item.afterBreak || pendingBreak);
    out.depths.push(depth);
    out.rich.push(rich);
    pendingBreak = false;
  }
  return out;
}

function continuesMessage(d, start, index, previous, rich, traced) {
  const follow = d.lines[index];
  if (!pyStrip(follow) || d.stamped[index] || d.breaks[index] || d.depths[index] !== d.depths[start]) return false;
  if (d.pytestE[start]) return d.pytestE[index];
  if (["HEAD", "CAUSE", "CONTEXT", "SEPARATOR"].some((name) => match(name, follow))) return false;
  if (["FRAME", "PYTEST_FRAME", "WARNING", "IPY_HEAD"].some((name) => match(name, follow))) return false;
  const strict = match("EXC_STRICT", pyStrip(follow)) !== null;
  if (rich || (traced && !strict)) return true;
  if (follow.startsWith(" ") || follow.startsWith("\t")) return !strict || pyRstrip(previous).endsWith(":");
  if (strict) return false;
  return [":", ",", "(", "[", "{"].some((end) => pyRstrip(previous).endsWith(end));
}

function looksLikeClass(name) {
  const last = name.split(".").pop();
  const lower = last.toLowerCase();
  return PY_STR.isupper.test(Array.from(last.slice(0, 2))[0] || "") || lower.endsWith("error") || lower.endsWith("exception");
}

function walk(d) {
  const blocks = [];
  const exceptionLines = new Set();
  let frames = [];
  let inTraceback = false;
  let baseIndent = 0;
  let closedByE = false;
  let afterRich = false;
  const startTraceback = (indent) => {
    inTraceback = true;
    frames = [];
    baseIndent = indent;
  };
  const frame = (path) => {
    inTraceback = true;
    frames.push(path);
  };
  const exceptionMatch = (line) => {
    const stripped = pyStrip(line);
    const first = Array.from(stripped.slice(0, 2))[0] || "";
    if (!stripped || pyLen(stripped) > 20000 || !(PY_STR.isalpha.test(first) || first === "_")) return null;
    if (inTraceback && frames.length && pyLstripLength(line) <= baseIndent) {
      const loose = match("EXC_LOOSE", stripped);
      if (loose && looksLikeClass(loose.groups.type)) return loose;
    }
    const strict = match("EXC_STRICT", stripped);
    if (strict && (strict.groups.msg !== undefined || inTraceback || afterRich)) return strict;
    if (strict && ["Error", "Exception", "ExceptionGroup"].some((end) => stripped.endsWith(end))) return strict;
    return null;
  };
  const richWord = (i) => {
    if (i < d.lines.length && d.rich[i]) {
      const word = match("RICH_WORD", d.lines[i]);
      return word ? word.groups.word : "";
    }
    return "";
  };
  const richText = (i) => (i < d.lines.length && d.rich[i] ? pyStrip(d.lines[i]) : "");
  const richLine = (i, line) => {
    let consumed = 1;
    let found = match("RICH_FRAME", line);
    if (found === null && (line.includes("/") || line.includes("\\")) && match("RICH_WORD", line)) {
      // parse._rich_line: a path rich folded over rows, the rest of the header on the next row
      found = match("RICH_FRAME", pyStrip(line) + richText(i + 1));
      consumed = 2;
    }
    if (found !== null) {
      if (found.groups.func === undefined && richWord(i + consumed)) consumed += 1;
      frame(found.groups.path);
      return consumed;
    }
    if (!(frames.length && match("RICH_CODE", line)) && match("HEAD", line)) startTraceback(0);
    return 1;
  };
  let index = 0;
  while (index < d.lines.length) {
    const line = d.lines[index];
    if (d.rich[index]) {
      afterRich = true;
      index += richLine(index, line);
      continue;
    }
    const hasTraceback = line.includes("Traceback");
    let found;
    if (hasTraceback && (found = match("HEAD", line) || match("ROOT_TB_HEAD", line)) !== null) {
      startTraceback(found.groups.ind.length);
    } else if (hasTraceback && match("IPY_HEAD", line)) {
      startTraceback(0);
    } else if (line.includes("above exception") && (match("CAUSE", line) || match("CONTEXT", line))) {
      inTraceback = false;
      frames = [];
    } else if (line.includes('File "') && (found = match("FRAME", line)) !== null) {
      if (!inTraceback) startTraceback(Math.max(0, found.groups.ind.length - 2));
      frame(found.groups.path);
    } else if (inTraceback && (line.startsWith("File ") || line.startsWith("Cell In")) && (found = match("IPY_FRAME", line)) !== null) {
      frame(found.groups.cell !== undefined ? `Cell In[${found.groups.cell}]` : found.groups.path);
    } else if (inTraceback && line.includes(" in ") && (found = match("IPY_OLD_FRAME", line)) !== null) {
      frame(found.groups.path);
    } else if (inTraceback && frames.length && line.includes("->") && match("IPY_ARROW", line)) {
      // IPython's arrow line: the code of the last frame
    } else if (line.startsWith(">") && match("PYTEST_MARK", line)) {
      // pytest's marked source line
    } else if (line.includes(".py:") && (found = match("PYTEST_FRAME", line)) !== null) {
      if (!inTraceback) startTraceback(0);
      frame(found.groups.path);
      const exc = found.groups.exc;
      const last = blocks[blocks.length - 1];
      if (exc && closedByE && last && last.type.split(".").pop() === exc.split(".").pop()) {
        last.frames = last.frames.concat(frames);
        frames = [];
        inTraceback = false;
        closedByE = false;
      }
    } else if (["---", "===", "___", "_ _"].some((start) => line.replace(G.LSTRIP, "").startsWith(start)) && match("SEPARATOR", line)) {
      // a section separator: nothing to record for the two stages
    } else if ((found = exceptionMatch(line)) !== null) {
      const type = found.groups.type;
      if (type.endsWith("Warning") && !inTraceback) {
        index++;
        continue; // a warning printed on its own, not raised
      }
      const parts = [pyStrip(found.groups.msg || "")];
      const joiner = afterRich ? " " : "\n";
      const end = Math.min(d.lines.length, index + 1 + C.MAX_MESSAGE_LINES);
      let consumed = 1;
      for (let follow = index + 1; follow < end; follow++) {
        if (!continuesMessage(d, index, follow, parts[parts.length - 1], afterRich, frames.length > 0)) break;
        parts.push(pyStrip(d.lines[follow]));
        consumed++;
      }
      const message = pyStrip(parts.join(joiner));
      blocks.push({ type, message, line: d.lineMap[index], frames, headline: message ? `${type}: ${message}` : type });
      for (let i = index; i < index + consumed; i++) exceptionLines.add(i);
      inTraceback = false;
      frames = [];
      afterRich = false;
      closedByE = d.pytestE[index];
      index += consumed;
      continue;
    }
    index++;
  }
  // parse.py's unfinished_frames: a traceback cut off before its exception line
  return { blocks, exceptionLines, unfinished: frames.length && inTraceback ? frames : [] };
}

function isLauncher(block) {
  const short = block.type.split(".").pop();
  if (short === "ChildFailedError") return true;
  const paths = block.frames.map((p) => p.split("\\").join("/"));
  return short === "CalledProcessError" && paths.some((p) => C.LAUNCHER_PATHS.some((part) => p.includes(part)));
}

function inlineException(d) {
  for (let index = d.lines.length - 1; index >= 0; index--) {
    const line = d.lines[index];
    if (pyLen(line) > 20000 || (!line.includes("Error") && !line.includes("Exception"))) continue;
    const found = R.EXC_INLINE.exec(line);
    if (found) {
      const message = pyStrip(found.groups.msg);
      return { type: found.groups.type, message, line: d.lineMap[index], frames: [], headline: `${found.groups.type}: ${message}` };
    }
  }
  return null;
}

function warningLines(d, exceptionLines) {
  const found = [];
  d.lines.forEach((line, index) => {
    if (exceptionLines.has(index)) return;
    const seen = match("WARNING", pyStrip(line)) || match("BARE_WARNING", line);
    if (seen) found.push({ category: seen.groups.cat, message: pyStrip(seen.groups.msg), line: d.lineMap[index] });
    else if ((d.levels[index] === "WARNING" || d.levels[index] === "WARN") && pyStrip(line)) {
      found.push({ category: "warning", message: pyStrip(line), line: d.lineMap[index] });
    }
  });
  return found;
}

function parse(raw) {
  const d = decode(raw);
  const { blocks, exceptionLines, unfinished } = walk(d);
  const launcher = blocks.filter(isLauncher);
  let exceptions = launcher.length && launcher.length < blocks.length ? blocks.filter((b) => !isLauncher(b)) : blocks;
  if (!exceptions.length) {
    const inline = inlineException(d);
    if (inline) exceptions = [inline];
  }
  const text = d.lines.join("\n");
  const warnings = warningLines(d, exceptionLines);
  return { text, lines: d.lines, lineMap: d.lineMap, normalised: mask(text), exceptions, warnings, unfinished };
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

// Prefiltered as in regex_stage.regex_candidates: a pattern runs only when its required literal
// (computed by Python's regex parser at build time, lower-cased) occurs in the lower-cased paste.
function regexCandidates(trace, kb, deadline) {
  const out = [];
  let complete = true;
  const lowered = trace.text.toLowerCase();
  for (const entry of kb.entries) {
    if (performance.now() > deadline) {
      complete = false;
      break;
    }
    let best = null;
    for (const symptom of entry.symptoms) {
      if (!symptom.compiled) continue;
      if (symptom.literal && !lowered.includes(symptom.literal)) continue;
      const hit = symptomHit(trace, symptom, kb.regex);
      if (hit && (best === null || hit.score > best.score)) best = hit;
    }
    if (best) out.push({ stage: "regex", entryId: entry.id, ...best });
  }
  return { candidates: out, complete };
}

// ---- lexical.py ---------------------------------------------------------------------------------
function asciiLower(text) {
  let out = "";
  for (const c of text) out += C.ASCII_UPPER.includes(c) ? c.toLowerCase() : c;
  return out;
}

function stripUnderscores(word) {
  let start = 0;
  let end = word.length;
  while (start < end && word[start] === "_") start++;
  while (end > start && word[end - 1] === "_") end--;
  return word.slice(start, end);
}

function tokens(text) {
  const out = [];
  for (const found of asciiLower(text).matchAll(G.RUNS)) {
    if (found[1] !== undefined) {
      const word = stripUnderscores(found[1]);
      if (word.length >= C.MIN_WORD) {
        out.push(word);
        if (word.includes("_")) for (const part of word.split("_")) if (part.length >= C.MIN_WORD) out.push(part);
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
  let known = 0;
  for (const token of new Set(query)) {
    if (!Object.prototype.hasOwnProperty.call(lexical.idf, token)) continue;
    const idf = lexical.idf[token];
    known += 1;
    denominator += idf * (C.K1 + 1);
    for (const [number, weight] of lexical.postings[token]) {
      const part = idf * weight;
      raw.set(number, (raw.get(number) || 0) + part);
      if (!parts.has(number)) parts.set(number, []);
      parts.get(number).push([part, token]);
    }
  }
  if (known > 0 && known < C.FULL_WEIGHT_TOKENS) denominator *= C.FULL_WEIGHT_TOKENS / known;
  if (denominator <= 0) return [];
  const ranked = [...raw.entries()]
    .map(([number, value]) => [value / denominator, lexical.entry_ids[number], number])
    .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const out = [];
  for (const [score, entryId, number] of ranked.slice(0, limit)) {
    if (score < C.MIN_SCORE) break;
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
// Weighted noisy-or of each stage's strongest candidate, the generic factor, then Platt calibration;
// the threshold applies to the calibrated score, the ranking to the raw one (as in fuse.fuse).
function confidenceOf(score, fuse) {
  return score >= fuse.high ? "high" : score >= fuse.medium ? "medium" : "low";
}

function combinedScore(candidates, weights) {
  const strongest = new Map();
  for (const c of candidates) strongest.set(c.stage, Math.max(strongest.has(c.stage) ? strongest.get(c.stage) : 0, c.score));
  let miss = 1;
  for (const [stage, score] of strongest) miss *= 1 - (weights[stage] || 0) * Math.max(0, Math.min(1, score));
  return 1 - miss;
}

function calibrated(raw, fuse) {
  const [slope, offset] = fuse.calibration;
  if (slope === fuse.identity[0] && offset === fuse.identity[1]) return raw;
  return 1 / (1 + Math.exp(-(slope * raw + offset)));
}

function fuseCandidates(stages, kb, weights = kb.fuse.weights) {
  const fuse = kb.fuse;
  const byEntry = new Map();
  for (const stage of STAGES) for (const c of stages[stage] || []) {
    if (!byEntry.has(c.entryId)) byEntry.set(c.entryId, []);
    byEntry.get(c.entryId).push(c);
  }
  const ranked = [];
  const floor = Math.min(fuse.threshold, fuse.companion); // runners-up stand beside a best above the line
  for (const [entryId, candidates] of byEntry) {
    const entry = kb.byId.get(entryId);
    if (!entry) continue;
    let raw = combinedScore(candidates, weights);
    if (entry.generic) raw *= fuse.generic_factor;
    let score = calibrated(raw, fuse);
    if (score < floor) continue;
    if (candidates.some((c) => c.score < 0)) {
      // version evidence: demoted, an answer never dropped below the line, nothing lifted to it
      // (the browser runs no version stage today)
      raw *= fuse.demoted_factor;
      const demoted = calibrated(raw, fuse);
      score = score >= fuse.threshold ? Math.max(demoted, fuse.threshold) : demoted;
    }
    const trust = (c) => -c.score * (weights[c.stage] || 0);
    const evidence = [...candidates]
      .sort((a, b) => trust(a) - trust(b) || STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage))
      .map((c) => ({ stage: c.stage, detail: c.detail, line: c.line, score: c.score }));
    const bestStage = Math.min(...candidates.map((c) => STAGES.indexOf(c.stage)));
    const diagnosis = { id: entryId, title: entry.title, area: entry.area, score, confidence: confidenceOf(score, fuse), evidence };
    ranked.push({ key: [-raw, bestStage, entryId], diagnosis });
  }
  ranked.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.key[2] < b.key[2] ? -1 : a.key[2] > b.key[2] ? 1 : 0));
  if (!ranked.length || ranked[0].diagnosis.score < fuse.threshold) return []; // the best is below the line: abstain
  return ranked.map((r) => r.diagnosis).filter((d) => d.score >= floor);
}

// ---- catalogue.py (lookup) and source.py: answers from the library source -------------------------
// Taken only when no curated pattern fired (diagnose.source_lookup). The records arrive in
// catalogue.json (kb_site.catalogue_export), fetched once, lazily: their regexes, anchor and solid
// words, specificity, names_identifier and the curated entries linked to each, computed in Python.
function prepareCatalogue(data) {
  const records = data.records.map((row) => {
    const r = {};
    data.fields.forEach((field, i) => (r[field] = row[i]));
    r.words = r.w ? [r.a, ...r.w.split(" ")] : [r.a];
    r.source = r.re.split(data.mark).join(data.space);
    r.search = null; // compiled on first use (Catalogue.pattern)
    r.whole = null;
    return r;
  });
  const index = new Map();
  records.forEach((r, n) => {
    if (!index.has(r.a)) index.set(r.a, []);
    index.get(r.a).push(n);
  });
  return { records, index, placeholder: data.placeholder };
}

function compileTemplate(source) {
  return new RegExp(source, "u");
}

// Catalogue.pattern: a lazy placeholder at either end changes only the span, never whether it matches.
function searchPattern(book, r) {
  if (r.search === null) {
    let source = r.source;
    if (source.startsWith(book.placeholder)) source = source.slice(book.placeholder.length);
    if (source.endsWith(book.placeholder)) source = source.slice(0, source.length - book.placeholder.length);
    r.search = compileTemplate(source);
  }
  return r.search;
}

// source._whole_pattern, as fullmatch: anchored at both ends of the message
function wholePattern(r) {
  if (r.whole === null) r.whole = compileTemplate("^(?:" + r.source + ")$");
  return r.whole;
}

function bisectLeft(sorted, value) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

// catalogue.catalogue_hits: the catalogue messages these lines show, most specific first.
function catalogueHits(input, book) {
  if (!input.length || !book.index.size) return [];
  const lines = input.map((line, n) =>
    n && pyLstripLength(line) > 0 && match("CAT_FRAME", input[n - 1]) && !match("CAT_RAISED", line) ? "" : line,
  );
  const where = new Map();
  lines.forEach((line, number) => {
    for (const word of new Set(Array.from(line.matchAll(G.CAT_WORD), (m) => m[0]))) {
      if (!where.has(word)) where.set(word, []);
      where.get(word).push(number);
    }
  });
  const offsets = [0];
  for (const line of lines) offsets.push(offsets[offsets.length - 1] + line.length + 1);
  const found = [];
  for (const word of where.keys()) {
    for (const n of book.index.get(word) || []) {
      if (!book.records[n].words.every((w) => where.has(w))) continue;
      const hit = searchRecord(book, n, lines, offsets, where, word);
      if (hit !== null) found.push(hit);
    }
  }
  return mostSpecific(book, found).map(([n, line, start]) => answerOf(book, n, line + 1, lines[line].slice(0, start - offsets[line])));
}

// catalogue._search: the last match, in windows around the lines holding the anchor word.
function searchRecord(book, n, lines, offsets, where, anchor) {
  const r = book.records[n];
  const places = where.get(anchor);
  for (let i = places.length - 1; i >= 0; i--) {
    const at = places[i];
    const low = Math.max(0, at - C.WINDOW_BEFORE);
    const high = Math.min(lines.length, at + C.WINDOW_AFTER + 1);
    if (!r.words.every((w) => bisectLeft(where.get(w), high) > bisectLeft(where.get(w), low))) continue;
    const window = lines.slice(low, high).join("\n");
    const found = searchPattern(book, r).exec(window);
    if (found !== null) {
      const line = low + window.slice(0, found.index).split("\n").length - 1;
      return [n, line, offsets[low] + found.index, offsets[low] + found.index + found[0].length];
    }
  }
  return null;
}

function byString(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// catalogue._most_specific: a hit inside a more specific hit's span yields to it; one hit per record.
function mostSpecific(book, found) {
  const lit = (hit) => book.records[hit[0]].lit;
  const ranked = [...found].sort((a, b) => lit(b) - lit(a) || byString(book.records[a[0]].id, book.records[b[0]].id) || a[2] - b[2]);
  const kept = [];
  for (const hit of ranked) {
    const inside = kept.some((k) => k[2] <= hit[2] && hit[3] <= k[3] && lit(k) > lit(hit));
    const duplicate = kept.some((k) => k[0] === hit[0]);
    if (!inside && !duplicate) kept.push(hit);
  }
  return kept;
}

// Catalogue.answer: the newest site, or the newest whose exception class the paste shows before the message.
function answerOf(book, n, line, shown) {
  const r = book.records[n];
  const named = r.s.filter((site) => shown && shown.includes(`${site[1]}:`));
  const [kind, exception, file, func, condition] = (named.length ? named : r.s)[0];
  return { n, id: r.id, message: r.m, package: r.p, file, function: func, first: r.f, last: r.l, condition, exception, kind, specificity: r.lit, line };
}

// source.paste_lines: exception headlines and warning lines with their line numbers, else every line.
function pasteLines(trace) {
  const found = [];
  for (const block of trace.exceptions) block.headline.split("\n").forEach((text, n) => found.push([text, block.line + n]));
  for (const w of trace.warnings) `${w.category}: ${w.message}`.split("\n").forEach((text, n) => found.push([text, w.line + n]));
  if (found.length) return found.sort((a, b) => a[1] - b[1]);
  return trace.lines.map((text, i) => [text, i < trace.lineMap.length ? trace.lineMap[i] : i + 1]);
}

// frames.package_of, for the catalogue's packages (anything else is none of them)
function libraryOf(path) {
  const normal = path.split("\\").join("/");
  const marker = R.SITE_PACKAGES.exec(normal);
  if (marker) {
    const top = normal.slice(marker.index + marker[0].length).split("/")[0].split(".")[0];
    return C.KNOWN_PACKAGES.includes(top) ? top : "";
  }
  return C.KNOWN_PACKAGES.find((name) => normal.includes(`/${name}/`)) || "";
}

function traceFrames(trace) {
  return [...trace.exceptions.flatMap((b) => b.frames), ...trace.unfinished];
}

// source.stands_alone: specific enough, or the traceback runs through the message's package.
function standsAlone(answer, trace) {
  if (answer.specificity >= C.MIN_SPECIFICITY) return true;
  return traceFrames(trace).some((path) => libraryOf(path) === answer.package || path.includes(`/${answer.package}/`));
}

// source.is_whole_message: the template matches the whole message of the exception or warning on its line.
function isWholeMessage(book, answer, trace) {
  let messages = [
    ...trace.exceptions.filter((b) => b.line === answer.line).map((b) => b.message),
    ...trace.warnings.filter((w) => w.line === answer.line).map((w) => w.message),
  ];
  if (!trace.exceptions.length && !trace.warnings.length) {
    messages = trace.lines.filter((_text, i) => (i < trace.lineMap.length ? trace.lineMap[i] : i + 1) === answer.line);
  }
  const whole = wholePattern(book.records[answer.n]);
  return messages.some((m) => pyStrip(m) && whole.test(pyStrip(m)));
}

// source.source_findings (without version notes: the page reads no versions)
function sourceFindings(trace, book) {
  const numbered = pasteLines(trace);
  const found = [];
  for (const hit of catalogueHits(numbered.map((item) => item[0]), book)) {
    const answer = { ...hit, line: hit.line > 0 && hit.line <= numbered.length ? numbered[hit.line - 1][1] : hit.line };
    const whole = isWholeMessage(book, answer, trace);
    if (!(standsAlone(answer, trace) || (whole && book.records[answer.n].ni))) {
      const framed = trace.unfinished.length > 0 || trace.exceptions.some((b) => b.frames.length > 0);
      if (whole && !framed) found.push({ answer, linked: [], shown: false, whole: true });
      continue;
    }
    found.push({ answer, linked: book.records[answer.n].k, shown: true, whole });
  }
  return found;
}

// source.catalogue_candidates: catalogue evidence for each linked entry (the most specific answer first)
function catalogueCandidates(findings) {
  const out = new Map();
  for (const { answer, linked } of findings) {
    for (const entryId of linked) {
      if (out.has(entryId)) continue;
      const detail = `library message ${answer.id} (${answer.package} ${answer.file}, ${answer.function})`;
      out.set(entryId, { stage: "catalogue", entryId, score: C.CATALOGUE_HIT, detail, line: answer.line });
    }
  }
  return [...out.values()];
}

// source.answers_the_error
function answersTheError(findings, trace) {
  const counted = findings.filter((f) => f.shown || f.whole);
  if (!counted.length) return false;
  if (!trace.exceptions.length) return true;
  const errorLines = new Set();
  for (const block of trace.exceptions) for (let n = 0; n <= block.headline.split("\n").length - 1; n++) errorLines.add(block.line + n);
  return counted.some((f) => errorLines.has(f.answer.line));
}

// diagnose.with_sources: fuse with catalogue evidence; when a source answer explains the error, an
// entry stands only when linked to it.
function withSources(found, findings, answersError, kb) {
  const stages = { ...found, catalogue: catalogueCandidates(findings) };
  const ranked = fuseCandidates(stages, kb, { ...kb.fuse.weights, catalogue: kb.fuse.catalogue_weight });
  return answersError ? ranked.filter((d) => d.evidence.some((e) => e.stage === "catalogue")) : ranked;
}

function shownSource({ answer, linked }) {
  const { n, ...shown } = answer; // eslint-disable-line no-unused-vars
  return { ...shown, linked };
}

// ---- the worker ----------------------------------------------------------------------------------
function prepareKb(data) {
  useRules(data.rules, data.stages);
  const missing = data.front_end.filter((stage) => !IMPLEMENTED.includes(stage));
  if (missing.length) throw new Error(`the declared browser stage(s) ${missing.join(", ")} have no loop in this worker`);
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

// The curated stages; then diagnose.paste_diagnosis's rule: the catalogue only when no pattern fired.
function curatedStages(kb, text, budgetMs) {
  const started = performance.now();
  const trace = parse(text);
  const found = {};
  let complete = true;
  if (kb.front_end.includes("regex")) {
    const regex = regexCandidates(trace, kb, started + budgetMs);
    found.regex = regex.candidates;
    complete = regex.complete;
  }
  if (kb.front_end.includes("lexical")) found.lexical = lexicalCandidates(trace, kb.lexical);
  const wantsSources = kb.front_end.includes("regex") && found.regex.length === 0; // diagnose.source_lookup
  return { started, trace, found, complete, wantsSources };
}

function settle(kb, state, book, top) {
  const findings = state.wantsSources && book ? sourceFindings(state.trace, book) : [];
  const ranked = findings.length
    ? withSources(state.found, findings, answersTheError(findings, state.trace), kb)
    : fuseCandidates(state.found, kb);
  const sources = findings.filter((f) => f.shown).map(shownSource);
  return { results: ranked.slice(0, top), sources, complete: state.complete, ms: performance.now() - state.started, stages: [...kb.front_end] };
}

// `book`: the prepared catalogue (prepareCatalogue), or null to rank with the curated stages alone.
function diagnose(kb, text, budgetMs = 1500, top = 5, book = null) {
  return settle(kb, curatedStages(kb, text, budgetMs), book, top);
}

if (typeof module !== "undefined" && module.exports) {
  // for Node-side checks
  module.exports = { parse, mask, tokens, keyTexts, prepareKb, prepareCatalogue, sourceFindings, diagnose, unescapeHtml };
} else {
  let kbPromise = null;
  let cataloguePromise = null;
  const load = (url, what, prepare) =>
    fetch(new URL(url, self.location.href).href).then((response) => {
      if (!response.ok) throw new Error(`could not load ${what} (HTTP ${response.status})`);
      return response.json().then(prepare);
    });
  self.onmessage = (event) => {
    const { id, text, budgetMs = 1500, top = 5, kbUrl = "kb.json", catalogueUrl = "catalogue.json" } = event.data;
    if (!kbPromise) kbPromise = load(kbUrl, "the knowledge base", prepareKb);
    kbPromise
      .then((kb) => {
        const state = curatedStages(kb, text, budgetMs);
        if (!state.wantsSources) return { kb, reply: settle(kb, state, null, top) };
        if (!cataloguePromise) {
          cataloguePromise = load(catalogueUrl, "the message catalogue", prepareCatalogue);
          cataloguePromise.catch(() => (cataloguePromise = null)); // a later paste tries again
        }
        // Without the catalogue the curated answer still stands; the page says what is missing.
        return cataloguePromise.then(
          (book) => ({ kb, reply: settle(kb, state, book, top) }),
          (error) => ({ kb, reply: { ...settle(kb, state, null, top), sourcesError: String((error && error.message) || error) } }),
        );
      })
      .then(({ kb, reply }) => self.postMessage({ id, ok: true, entries: kb.entries.length, ...reply }))
      .catch((error) => self.postMessage({ id, ok: false, error: String((error && error.message) || error) }));
  };
}
