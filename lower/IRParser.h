// Reads the textual tile IR back (for golden tests of single passes, and for
// round-trip tests of the printer).
#pragma once

#include <memory>

#include "lower/IR.h"
#include "support/Diagnostics.h"

namespace hel::tir {

// Parses a whole `.tir` file; errors are reported with their location and the
// result is null.
std::unique_ptr<Module> parse(const SourceFile& file, DiagnosticEngine& diags);

}  // namespace hel::tir
