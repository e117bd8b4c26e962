// Runs the paste page's source answers (docs/paste/matcher.worker.js) under Node on a batch of texts.
// stdin: {"kb": "<paste/kb.json>", "catalogue": "<paste/catalogue.json>", "texts": [...]};
// stdout: per text, the lookup's findings (shown or not) and the page's reply (ranking and sources).
"use strict";
const fs = require("fs");
const path = require("path");
const matcher = require(path.join(__dirname, "..", "..", "docs", "paste", "matcher.worker.js"));

const job = JSON.parse(fs.readFileSync(0, "utf8"));
const kb = matcher.prepareKb(JSON.parse(fs.readFileSync(job.kb, "utf8")));
const book = matcher.prepareCatalogue(JSON.parse(fs.readFileSync(job.catalogue, "utf8")));
const out = job.texts.map((text) => {
  const findings = matcher.sourceFindings(matcher.parse(text), book);
  const reply = matcher.diagnose(kb, text, 60000, 3, book);
  return {
    findings: findings.map((f) => [f.answer.id, f.linked, f.shown, f.whole, f.answer.line]),
    sites: findings.filter((f) => f.shown).map((f) => [f.answer.exception, f.answer.file, f.answer.function]),
    ranked: reply.results.map((d) => [d.id, d.score]),
    sources: reply.sources.map((s) => [s.id, s.linked]),
  };
});
process.stdout.write(JSON.stringify(out));
