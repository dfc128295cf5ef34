"""Counts test outcomes in every .trx file under a folder and prints "N passed, N failed[, N skipped]"."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
passed = failed = skipped = 0
failures = []
for trx in sorted(Path(sys.argv[1]).rglob("*.trx")):
    for result in ET.parse(trx).getroot().iter(NS + "UnitTestResult"):
        outcome = result.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
        else:
            failed += 1
            failures.append(result.get("testName"))
for name in failures:
    print(f"FAILED: {name}", file=sys.stderr)
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
