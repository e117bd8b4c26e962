// Runs the paste page's matcher (docs/paste/matcher.worker.js) under Node on a batch of texts.
// stdin: {"kb": "<path to the built paste/kb.json>", "catalogue": "<paste/catalogue.json>", "texts": [...]};
// stdout: one result per text.
"use strict";
const fs = require("fs");
const path = require("path");
const matcher = require(path.join(__dirname, "..", "..", "docs", "paste", "matcher.worker.js"));

const job = JSON.parse(fs.readFileSync(0, "utf8"));
const kb = matcher.prepareKb(JSON.parse(fs.readFileSync(job.kb, "utf8")));
const book = matcher.prepareCatalogue(JSON.parse(fs.readFileSync(job.catalogue, "utf8")));
const out = job.texts.map((text) => {
  const trace = matcher.parse(text);
  return {
    exceptions: trace.exceptions.map((b) => [b.type, b.message, b.line]),
    warnings: trace.warnings.map((w) => [w.category, w.message, w.line]),
    frames: [...trace.exceptions.map((b) => b.frames), trace.unfinished],
    normalised: trace.normalised,
    key_texts: matcher.keyTexts(trace, kb.lexical.max_doc_chars),
    tokens: matcher.tokens(text),
    unescaped: matcher.unescapeHtml(text),
    ranked: matcher.diagnose(kb, text, 60000, 3, book).results.map((d) => [d.id, d.score]),
  };
});
process.stdout.write(JSON.stringify(out));
