// Runs the exported (translated) patterns under Node: every match span of each pattern in each subject.
// stdin: {"patterns": {name: {source, flags}}, "subjects": [...]}; stdout: {name: [[[start, end], ...] per subject]}.
// Spans are in code points, as Python counts them.
"use strict";
const fs = require("fs");

const job = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {};
for (const [name, { source, flags }] of Object.entries(job.patterns)) {
  const pattern = new RegExp(source, flags + "g");
  out[name] = job.subjects.map((subject) => {
    const spans = [];
    for (const found of subject.matchAll(pattern)) {
      const start = Array.from(subject.slice(0, found.index)).length;
      spans.push([start, start + Array.from(found[0]).length]);
    }
    return spans;
  });
}
process.stdout.write(JSON.stringify(out));
