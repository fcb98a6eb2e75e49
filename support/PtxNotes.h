// What a PTX module hel emits says about how to assemble it: comment lines that the
// backend writes above the PTX (backend/nvptx/Codegen.cpp) and the runtime reads
// (runtime/cuda), so that the module alone, cached or not, says how to load it.
#pragma once

#include <string>
#include <string_view>

namespace hel {

// "// hel: ptxas -O1 (why)": the -O level ptxas (or the driver's JIT) assembles the
// module at; ptxas's own default, 3, where there is no such line.
constexpr std::string_view kPtxasOptimizationNote = "// hel: ptxas -O";
constexpr int kDefaultPtxasOptimization = 3;

inline int ptxasOptimization(const std::string& ptx) {
  size_t at = ptx.find(kPtxasOptimizationNote);
  if (at == std::string::npos || at + kPtxasOptimizationNote.size() >= ptx.size()) return kDefaultPtxasOptimization;
  char level = ptx[at + kPtxasOptimizationNote.size()];
  return level >= '0' && level <= '4' ? level - '0' : kDefaultPtxasOptimization;
}

}  // namespace hel
