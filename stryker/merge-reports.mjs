// Merges a narrowed Stryker JSON report into a full one: each mutant of the narrowed run (same file,
// same source, same place, mutator and replacement) takes its new status in the full report. For a
// rerun of a few lines after tests were added, without running the whole scope again:
// node stryker/merge-reports.mjs full.json narrowed.json merged.json
import { readFileSync, writeFileSync } from 'node:fs';

const [fullPath, narrowPath, outPath] = process.argv.slice(2);
const full = JSON.parse(readFileSync(fullPath, 'utf8'));
const narrow = JSON.parse(readFileSync(narrowPath, 'utf8'));
let changed = 0;
let missing = 0;
for (const [file, { source, mutants }] of Object.entries(narrow.files)) {
  const target = full.files[file];
  if (target.source !== source) throw new Error(`source of ${file} changed`);
  for (const m of mutants) {
    const t = target.mutants.find(
      (x) =>
        x.location.start.line === m.location.start.line &&
        x.location.start.column === m.location.start.column &&
        x.location.end.line === m.location.end.line &&
        x.location.end.column === m.location.end.column &&
        x.mutatorName === m.mutatorName &&
        x.replacement === m.replacement,
    );
    if (!t) {
      missing += 1;
      continue;
    }
    if (t.status !== m.status) {
      changed += 1;
      t.status = m.status;
    }
  }
}
writeFileSync(outPath, JSON.stringify(full));
console.log({ changed, missing });
