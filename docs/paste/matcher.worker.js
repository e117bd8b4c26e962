/* peft-why's matcher in the browser: parse -> regex stage -> lexical stage -> fuse.
 *
 * A port of the Python matcher (matcher/parse.py, normalise.py, index.key_texts,
 * regex_stage.py, lexical.py, fuse.py) restricted to the two stages a browser can
 * reproduce exactly. The data (patterns and their required literals, the fusion and
 * calibration constants, the BM25 index, all computed by Python) comes from kb.json,
 * generated at build time, so only the rules live here.
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
const HTML_ENTITY = /&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;
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

// ---- formats.py (decode) and parse.py -------------------------------------------------------
// Ported: log/launcher/pytest prefixes, fences, HTML, redraws, CPython/IPython/pytest frames, chained
// exceptions, multi-line messages, warnings, inline "SomeError: ..." in prose, launcher errors set aside.
// Markdown quotes, one rank of a multi-rank log, ExceptionGroup gutters, rich panels. Not needed by the
// two stages and so not ported: frame code lines, versions, notes.
const HTML_TAG = /<\/?(?:pre|code|br|p|div|span|a|b|i|em|strong|kbd|samp|blockquote)\b[^<>\n]{0,200}>/gi;
const FENCE = py("^\\s{0,3}(?:`{3,}[^`\\n]*|~{3,}[^\\n]*)$");
const RANK = py("^(?:\\[(?:rank|default)(?<rank>\\d+)\\]:|\\[\\d+,(?<mpi>\\d+)\\]<std(?:out|err)>:|(?<host>worker-\\d+|localhost):(?= ))\\s?");
const LEVEL = "(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)";
const STAMP =
  "(?:\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+\\-]\\d{2}:?\\d{2})?" +
  "|\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?" +
  "|\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?)";
const STAMPED = py(
  `^\\[?${STAMP}\\]?` +
    `(?:[ \\t]*(?:[\\-|][ \\t]*)?(?:\\[[^\\]\\n]{0,120}\\]|${LEVEL}\\b|[a-z_][\\w.]{0,80}(?=[ \\t]*[\\-|:][ \\t])))*` +
    "[ \\t]*(?:[\\-|:][ \\t]?)?",
);
const LEVELLED = py(`^(?:\\[${LEVEL}\\][ \\t]*|${LEVEL}:[a-z_][\\w.]{0,80}:|${LEVEL}[ \\t]*[\\-|:][ \\t]?)`);
const GLOG = py("^\\[?(?<sev>[WEIF])\\d{4} \\d{2}:\\d{2}:\\d{2}[.\\d]* [^\\]\\n]{0,300}\\][ \\t]?");
const LEVEL_WORD = new RegExp(LEVEL);
const PREFIX_START = new Set("[0123456789EWIFDCTlw");
const PYTEST_E = /^E(?: {2,7}|$)/;

const HEAD = py("^(?<ind>\\s*)(?:Exception Group )?Traceback \\(most recent call last\\):?\\s*$");
const IPY_HEAD = py("^(?<type>[A-Za-z_][\\w.]*)\\s{2,}Traceback \\(most recent call last\\)\\s*$");
const ROOT_TB_HEAD = py("^(?<ind>\\s*)traceback\\s*:\\s*Traceback \\(most recent call last\\):?\\s*$");
const CAUSE = py("^\\s*The above exception was the direct cause of the following exception:?\\s*$");
const CONTEXT = py("^\\s*During handling of the above exception, another exception occurred:?\\s*$");
const FRAME = py('^(?<ind>\\s*)File "(?<path>[^"\\n]+)", line (?<lineno>\\d+)(?:, in (?<func>[^\\n]+?))?\\s*$');
const IPY_FRAME = py(
  "^(?:File (?<path>\\S[^\\n]*?):(?<lineno>\\d+)(?:, in (?<func>[^\\s(]+)(?:\\([^\\n]*)?)?" +
    "|Cell In\\s?\\[(?<cell>[^\\]\\n]{0,20})\\], line (?<cellLine>\\d+)(?:, in (?<cellFunc>[^\\s(]+)(?:\\([^\\n]*)?)?)\\s*$",
);
const IPY_OLD_FRAME = py("^(?<path><ipython-input-[^>\\n]{0,80}>|\\S+?\\.pyx?) in (?<func>[\\w<>.]+)(?:\\([^\\n]*)?\\s*$");
const PYTEST_FRAME = py(
  "^(?<path>(?:[A-Za-z]:)?[^\\s:][^:\\n]*?\\.py):(?<lineno>\\d+):(?: in (?<func>\\S+)| (?<exc>[A-Za-z_][\\w.]*))?\\s*$",
);
const SEPARATOR = py("^\\s*(?:-{10,}|={5,}[^\\n]*|_{3,}[^\\n]*|(?:_ ){5,}[^\\n]*)$");
const EXC_NAME = "(?:[A-Za-z_]\\w*\\.)*[A-Za-z_]\\w*";
const EXC_STRICT = py(
  "^(?<type>(?:[A-Za-z_]\\w*\\.)*(?:[A-Z]\\w*(?:Error|Exception|Interrupt|Exit|Failure|Fault|Warning|ExceptionGroup)" +
    "|Exception|BaseException|ExceptionGroup|BaseExceptionGroup|StopIteration|StopAsyncIteration|GeneratorExit))" +
    "(?::[ \\t]?(?<msg>[^\\n]*))?$",
);
const EXC_LOOSE = py(`^(?<type>${EXC_NAME})(?::[ \\t]?(?<msg>[^\\n]*))?$`);
const EXC_INLINE = py(
  "(?<![\\w.])(?<type>(?:[A-Za-z_]\\w*\\.){0,8}[A-Z]\\w*(?:Error|Exception))\\s*[:\\uff1a]\\s*(?<msg>\\S[^\\n]*)$",
);
const WARNING = py("^(?<path>\\S[^\\n]*?):(?<lineno>\\d+): (?<cat>(?:\\w+\\.)*[A-Z]\\w*Warning): (?<msg>[^\\n]+)$");
const BARE_WARNING = py("^(?<cat>(?:\\w+\\.)*[A-Z]\\w*Warning): (?<msg>[^\\n]+)$");
const MAX_MESSAGE_LINES = 200;
const LAUNCHER_PATHS = ["accelerate/commands/", "deepspeed/launcher/", "torch/distributed/run.py"];
const ALPHA = /^[\p{L}_]/u;

function lastRedraw(line) {
  const segments = line.split("\r");
  for (let i = segments.length - 1; i >= 0; i--) if (pyStrip(segments[i])) return segments[i];
  return "";
}

function stripPrefixes(line) {
  for (let round = 0; round < 4; round++) {
    const text = line.text;
    let found;
    if ((found = RANK.exec(text)) !== null) {
      const key = found.groups.host || String(parseInt(found.groups.rank || found.groups.mpi, 10));
      if (line.rank === null) line.rank = key;
      line.text = text.slice(found[0].length);
    } else if ((found = GLOG.exec(text)) !== null) {
      line.level = { W: "WARNING", E: "ERROR", F: "FATAL" }[found.groups.sev] || "INFO";
      line.stamped = true;
      line.text = text.slice(found[0].length);
    } else if ((found = STAMPED.exec(text)) !== null || (found = LEVELLED.exec(text)) !== null) {
      const level = LEVEL_WORD.exec(found[0]);
      if (level) line.level = level[0];
      line.stamped = true;
      line.text = text.slice(found[0].length);
    } else if ((found = PYTEST_E.exec(text)) !== null) {
      line.pytestE = true;
      line.text = text.slice(found[0].length);
    } else {
      break;
    }
  }
  line.text = pyRstrip(line.text);
  return line;
}

const QUOTE = /^(?:> ?)+/;
const QUOTED_ERROR = py("Traceback \\(most recent call last\\)|[A-Z]\\w*(?:Error|Exception)(?::|$)");
const ROOT_CAUSE = /^\s*Root Cause \(first observed failure\):/;
const ROOT_RANK = /^\s*rank\s*:\s*(\d+)/;
const ROOT_EXIT = /^\s*exitcode\s*:\s*(-?\d+)/;
const GROUP_HEAD = py("^(?<ind>\\s*)\\+ (?<rest>Exception Group Traceback \\(most recent call last\\):[^\\n]*)$");
const GROUP_GUTTER = py("^(?<ind>\\s*)\\| ?(?<rest>[^\\n]*)$");
const GROUP_SEPARATOR = /^\s*\+[-+]/;
const RICH_TOP = /^\s*╭─.*Traceback.*╮\s*$/;
const RICH_ROW = /^\s*│(.*)│\s*$/;
const RICH_BOTTOM = /^\s*╰─*╯\s*$/;
const RICH_FRAME = py("^\\s*(?<path>\\S[^\\n]*?):(?<lineno>\\d+) in(?: (?<func>\\S+))?\\s*$");
const RICH_WORD = /^\s*(\S+)\s*$/;

function newLine(text, number) {
  return { text, number, rank: null, level: "", stamped: false, pytestE: false, afterBreak: false };
}

function decode(raw) {
  const isHtml = HTML_ENTITY.test(raw);
  let text = raw.replace(/\r\n/g, "\n");
  if (!text.includes("\n")) text = text.replace(/\r/g, "\n");
  text = stripAnsi(text);
  let items = [];
  let pendingBreak = false;
  text.split("\n").forEach((original, i) => {
    const line = original.includes("\r") ? lastRedraw(original) : original;
    let pieces = [line];
    if (isHtml && (line.includes("&") || line.includes("<"))) pieces = unescapeHtml(line.replace(HTML_TAG, "")).split("\n");
    for (const piece of pieces) {
      const item = newLine(piece, i + 1);
      if (PREFIX_START.has(piece.slice(0, 1))) stripPrefixes(item);
      else item.text = pyRstrip(piece);
      if ((item.text.includes("```") || item.text.includes("~~~")) && FENCE.test(item.text)) {
        pendingBreak = true;
        continue;
      }
      item.afterBreak = pendingBreak;
      pendingBreak = false;
      items.push(item);
    }
  });
  items = oneRank(unquote(items));
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
    if (!run.some((item) => QUOTED_ERROR.test(item.text))) {
      result.push(...run);
    } else {
      let pendingBreak = false;
      for (const item of run) {
        item.text = item.text.replace(QUOTE, "");
        if (PREFIX_START.has(item.text.slice(0, 1))) stripPrefixes(item);
        if (FENCE.test(item.text)) {
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

function rootCause(lines) {
  let rank = null;
  let inRoot = false;
  for (const line of lines) {
    let found;
    if (ROOT_CAUSE.test(line)) inRoot = true;
    else if (inRoot && (found = ROOT_RANK.exec(line)) !== null) rank = String(parseInt(found[1], 10));
    else if (inRoot && rank !== null && ROOT_EXIT.test(line)) return rank;
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
    if (text.includes("+ Exception Group") && (found = GROUP_HEAD.exec(text)) !== null) {
      groupBase = found.groups.ind.length;
      text = found.groups.ind + found.groups.rest;
    } else if (groupBase !== null) {
      if (GROUP_SEPARATOR.test(text)) {
        pendingBreak = true;
        continue;
      }
      const gutter = GROUP_GUTTER.exec(text);
      if (gutter === null) groupBase = null;
      else {
        depth = Math.max(0, Math.floor((gutter.groups.ind.length - groupBase) / 2));
        text = gutter.groups.rest;
      }
    }
    if (text.includes("╭") && RICH_TOP.test(text)) {
      inRich = true;
      text = "Traceback (most recent call last):";
    } else if (inRich) {
      if (RICH_BOTTOM.test(text)) {
        inRich = false;
        pendingBreak = true;
        continue;
      }
      const row = RICH_ROW.exec(text);
      if (row === null) inRich = false;
      else {
        text = pyRstrip(row[1]);
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

function pyLstripLength(line) {
  return line.length - line.replace(/^\s+/u, "").length;
}

function continuesMessage(d, start, index, previous, rich, traced) {
  const follow = d.lines[index];
  if (!pyStrip(follow) || d.stamped[index] || d.breaks[index] || d.depths[index] !== d.depths[start]) return false;
  if (d.pytestE[start]) return d.pytestE[index];
  if (HEAD.test(follow) || CAUSE.test(follow) || CONTEXT.test(follow) || SEPARATOR.test(follow)) return false;
  if (FRAME.test(follow) || PYTEST_FRAME.test(follow) || WARNING.test(follow) || IPY_HEAD.test(follow)) return false;
  const strict = EXC_STRICT.test(pyStrip(follow));
  if (rich || (traced && !strict)) return true;
  if (follow.startsWith(" ") || follow.startsWith("\t")) return !strict || pyRstrip(previous).endsWith(":");
  if (strict) return false;
  return /[:,([{]$/.test(pyRstrip(previous));
}

function looksLikeClass(name) {
  const last = name.split(".").pop();
  return /^[A-Z]/.test(last) || /(?:error|exception)$/.test(last.toLowerCase());
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
    if (!stripped || stripped.length > 20000 || !ALPHA.test(stripped)) return null;
    if (inTraceback && frames.length && pyLstripLength(line) <= baseIndent) {
      const loose = EXC_LOOSE.exec(stripped);
      if (loose && looksLikeClass(loose.groups.type)) return loose;
    }
    const strict = EXC_STRICT.exec(stripped);
    if (strict && (strict.groups.msg !== undefined || inTraceback || afterRich)) return strict;
    if (strict && /(?:Error|Exception|ExceptionGroup)$/.test(stripped)) return strict;
    return null;
  };
  const richWord = (i) => {
    if (i < d.lines.length && d.rich[i]) {
      const word = RICH_WORD.exec(d.lines[i]);
      return word ? word[1] : "";
    }
    return "";
  };
  const richLine = (i, line) => {
    let consumed = 1;
    let found = RICH_FRAME.exec(line);
    const following = richWord(i + 1);
    if (found === null && following && (line.includes("/") || line.includes("\\")) && RICH_WORD.test(line)) {
      found = RICH_FRAME.exec(pyStrip(line) + following);
      consumed = 2;
    }
    if (found !== null) {
      if (found.groups.func === undefined && following) consumed += 1;
      frame(found.groups.path);
      return consumed;
    }
    if (!(frames.length && /^\s*❱\s*\d+/.test(line)) && HEAD.test(line)) startTraceback(0);
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
    if (hasTraceback && (found = HEAD.exec(line) || ROOT_TB_HEAD.exec(line)) !== null) {
      startTraceback(found.groups.ind.length);
    } else if (hasTraceback && IPY_HEAD.test(line)) {
      startTraceback(0);
    } else if (line.includes("above exception") && (CAUSE.test(line) || CONTEXT.test(line))) {
      inTraceback = false;
      frames = [];
    } else if (line.includes('File "') && (found = FRAME.exec(line)) !== null) {
      if (!inTraceback) startTraceback(Math.max(0, found.groups.ind.length - 2));
      frame(found.groups.path);
    } else if (inTraceback && (line.startsWith("File ") || line.startsWith("Cell In")) && (found = IPY_FRAME.exec(line)) !== null) {
      frame(found.groups.cell !== undefined ? `Cell In[${found.groups.cell}]` : found.groups.path);
    } else if (inTraceback && line.includes(" in ") && (found = IPY_OLD_FRAME.exec(line)) !== null) {
      frame(found.groups.path);
    } else if (inTraceback && frames.length && line.includes("->") && /^\s*-+> ?\d+/.test(line)) {
      // IPython's arrow line: the code of the last frame
    } else if (line.startsWith(">") && /^>\s+\S/.test(line)) {
      // pytest's marked source line
    } else if (line.includes(".py:") && (found = PYTEST_FRAME.exec(line)) !== null) {
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
    } else if (/^\s*(?:---|===|___|_ _)/.test(line) && SEPARATOR.test(line)) {
      // a section separator: nothing to record for the two stages
    } else if ((found = exceptionMatch(line)) !== null) {
      const type = found.groups.type;
      if (type.endsWith("Warning") && !inTraceback) {
        index++;
        continue; // a warning printed on its own, not raised
      }
      const parts = [pyStrip(found.groups.msg || "")];
      const joiner = afterRich ? " " : "\n";
      const end = Math.min(d.lines.length, index + 1 + MAX_MESSAGE_LINES);
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
  return { blocks, exceptionLines };
}

function isLauncher(block) {
  const short = block.type.split(".").pop();
  if (short === "ChildFailedError") return true;
  const paths = block.frames.map((p) => p.replace(/\\/g, "/"));
  return short === "CalledProcessError" && paths.some((p) => LAUNCHER_PATHS.some((part) => p.includes(part)));
}

function inlineException(d) {
  for (let index = d.lines.length - 1; index >= 0; index--) {
    const line = d.lines[index];
    if (line.length > 20000 || (!line.includes("Error") && !line.includes("Exception"))) continue;
    const found = EXC_INLINE.exec(line);
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
    const match = WARNING.exec(pyStrip(line)) || BARE_WARNING.exec(line);
    if (match) found.push({ category: match.groups.cat, message: pyStrip(match.groups.msg), line: d.lineMap[index] });
    else if ((d.levels[index] === "WARNING" || d.levels[index] === "WARN") && pyStrip(line)) {
      found.push({ category: "warning", message: pyStrip(line), line: d.lineMap[index] });
    }
  });
  return found;
}

function parse(raw) {
  const d = decode(raw);
  const { blocks, exceptionLines } = walk(d);
  const launcher = blocks.filter(isLauncher);
  let exceptions = launcher.length && launcher.length < blocks.length ? blocks.filter((b) => !isLauncher(b)) : blocks;
  if (!exceptions.length) {
    const inline = inlineException(d);
    if (inline) exceptions = [inline];
  }
  const text = d.lines.join("\n");
  return { text, lines: d.lines, lineMap: d.lineMap, normalised: mask(text), exceptions, warnings: warningLines(d, exceptionLines) };
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
  let known = 0;
  for (const token of new Set(query)) {
    if (!Object.prototype.hasOwnProperty.call(lexical.idf, token)) continue;
    const idf = lexical.idf[token];
    known += 1;
    denominator += idf * (lexical.k1 + 1);
    for (const [number, weight] of lexical.postings[token]) {
      const part = idf * weight;
      raw.set(number, (raw.get(number) || 0) + part);
      if (!parts.has(number)) parts.set(number, []);
      parts.get(number).push([part, token]);
    }
  }
  if (known > 0 && known < lexical.full_weight_tokens) denominator *= lexical.full_weight_tokens / known;
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

function fuseCandidates(stages, kb) {
  const fuse = kb.fuse;
  const weights = fuse.weights;
  const byEntry = new Map();
  for (const stage of STAGES) for (const c of stages[stage] || []) {
    if (!byEntry.has(c.entryId)) byEntry.set(c.entryId, []);
    byEntry.get(c.entryId).push(c);
  }
  const ranked = [];
  for (const [entryId, candidates] of byEntry) {
    const entry = kb.byId.get(entryId);
    if (!entry) continue;
    let raw = combinedScore(candidates, weights);
    if (entry.generic) raw *= fuse.generic_factor;
    let score = calibrated(raw, fuse);
    if (score < fuse.threshold) continue;
    if (candidates.some((c) => c.score < 0)) {
      // version evidence: demoted, never dropped (the browser runs no version stage today)
      raw *= fuse.demoted_factor;
      score = Math.max(calibrated(raw, fuse), fuse.threshold);
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
