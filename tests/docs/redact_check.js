// Runs the paste page's redactor (docs/paste/redact.js) under Node with a table file the docs hook wrote.
// stdin: {"table": "<path to the generated paste/redactions.js>", "texts": [...]}; stdout: the redacted texts.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { redact } = require(path.join(__dirname, "..", "..", "docs", "paste", "redact.js"));

const job = JSON.parse(fs.readFileSync(0, "utf8"));
const sandbox = { self: {} };
vm.runInNewContext(fs.readFileSync(job.table, "utf8"), sandbox); // the generated file sets self.peftWhyRedactions
const table = sandbox.self.peftWhyRedactions;
process.stdout.write(JSON.stringify(job.texts.map((text) => redact(text, table))));
