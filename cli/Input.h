// Reading the source file named on the command line.
#pragma once

#include <string>

#include "support/Diagnostics.h"
#include "support/Source.h"

namespace hel::cli {

// Loads `path`; on failure reports `cannot read` and returns nullptr.
const SourceFile* loadSource(SourceManager& sources, DiagnosticEngine& diags, const std::string& path);

// Writes `text` to `path`, or to stdout when `path` is empty or "-".
bool writeOutput(const std::string& path, const std::string& text, DiagnosticEngine& diags);

// Whether `path` can be written, found out before a script runs (for minutes, maybe);
// reports `cannot write` where not.
bool checkWritable(const std::string& path, DiagnosticEngine& diags);

}  // namespace hel::cli
