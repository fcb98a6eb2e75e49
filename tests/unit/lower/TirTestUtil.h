// Helpers of the tile IR tests: parsing text with diagnostics collected.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lower/IRParser.h"
#include "lower/IRPrinter.h"
#include "lower/Pipeline.h"

namespace hel::tir::testing {

struct Parsed {
  std::unique_ptr<SourceFile> file;  // the module's ops point into it
  std::unique_ptr<Module> module;
  std::vector<std::string> errors;  // rendered diagnostics
};

inline Parsed parseText(const std::string& text) {
  Parsed parsed;
  parsed.file = std::make_unique<SourceFile>("test.tir", text);
  DiagnosticEngine diags([&](const Diagnostic& d) { parsed.errors.push_back(DiagnosticEngine::render(d)); });
  parsed.module = parse(*parsed.file, diags);
  return parsed;
}

// The text after running `passes` over the parsed `text` (which must be valid).
inline std::string afterPasses(const std::string& text, const std::vector<std::string>& passes) {
  Parsed parsed = parseText(text);
  if (!parsed.module) return "parse failed: " + (parsed.errors.empty() ? "" : parsed.errors[0]);
  std::string problem = runPasses(*parsed.module, passes);
  if (!problem.empty()) return "passes failed: " + problem;
  return print(*parsed.module);
}

}  // namespace hel::tir::testing
