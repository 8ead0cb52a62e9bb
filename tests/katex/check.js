#!/usr/bin/env node
// Renders formulas with KaTeX, strictly, and reports every one that fails.
//
// stdin:  a JSON list of {"tex": "...", "display": true|false}, each optionally with "strict": "ignore"
//         to check only that the formula renders at all, as with KaTeX's default (lenient) strictness
// stdout: {"katex": version, "checked": n, "errors": [{"index": k, "tex": "...", "message": "..."}]},
//         one error per failing formula (none when all render); exit code 0 either way, 2 on
//         input that is not such a list.
//
// Strictness: throwOnError makes a parse error (\frac{1}{, an unknown macro) throw instead of
// being drawn in red, and strict: "error" turns each of KaTeX's "LaTeX-incompatible input"
// warnings (unknownSymbol, unicodeTextInMathMode, newLineInDisplayMode, ...) into an error too,
// so that a formula passes only if real LaTeX and MathJax would also accept it.
// Used by tests/test_katex.py; katex comes from tests/katex/node_modules (`npm ci` here).
"use strict";

const path = require("path");
const katex = require(path.join(__dirname, "node_modules", "katex"));

const OPTIONS = {throwOnError: true, strict: "error", trust: false, output: "htmlAndMathml"};
const STRICTNESS = new Set(["error", "warn", "ignore"]);
console.warn = () => {};  // NOTE: lenient renders warn about missing font metrics; the errors are what count

function main(input) {
    let formulas;
    try {
        formulas = JSON.parse(input);
    } catch (e) {
        process.stderr.write(`check.js: stdin is not JSON: ${e.message}\n`);
        process.exit(2);
    }
    if (!Array.isArray(formulas)) {
        process.stderr.write("check.js: expected a JSON list of {tex, display}\n");
        process.exit(2);
    }
    const errors = [];
    formulas.forEach((f, index) => {
        if (typeof f !== "object" || f === null || typeof f.tex !== "string") {
            errors.push({index, tex: null, message: "not a {tex, display} object"});
            return;
        }
        const strict = f.strict === undefined ? OPTIONS.strict : f.strict;
        if (!STRICTNESS.has(strict)) {
            errors.push({index, tex: f.tex, message: `unknown strictness ${JSON.stringify(strict)}`});
            return;
        }
        try {
            katex.renderToString(f.tex, {...OPTIONS, strict, displayMode: Boolean(f.display)});
        } catch (e) {
            errors.push({index, tex: f.tex, message: String(e && e.message ? e.message : e)});
        }
    });
    process.stdout.write(JSON.stringify({katex: katex.version, checked: formulas.length, errors}) + "\n");
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => main(input));
