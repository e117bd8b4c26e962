/* The paste page's redactor: only the loop. The table (patterns, flags, replacements, the cap) is
 * peft_why/redact.py's RULES, exported by the docs build hook as paste/redactions.js, so the page,
 * the CLI's paste-page links and the issue report mask the same things. Each pattern is written
 * to read the same in JavaScript and in Python's re; tests/docs/test_redact_js.py checks it.
 */
(function (root) {
  "use strict";

  /** Apply the table in order; a long paste keeps its end (the error), from a line start. */
  function redact(text, table) {
    let out = text;
    for (const rule of table.rules) out = out.replace(new RegExp(rule.pattern, "g" + rule.flags), rule.replacement);
    if (out.length > table.max_chars) {
      out = out.slice(out.length - table.max_chars);
      const cut = out.indexOf("\n");
      if (cut >= 0 && cut < 200) out = out.slice(cut + 1);
    }
    return out;
  }

  if (typeof module !== "undefined" && module.exports) module.exports = { redact }; // for Node-side checks
  else root.peftWhyRedact = redact;
})(typeof self !== "undefined" ? self : this);
