// The tile IR pass pipeline, listed in order in Pipeline.cpp. Each pass lives in
// its own file under lower/passes/.
#pragma once

#include <string>
#include <vector>

#include "lower/IR.h"

namespace hel::tir {

struct Pass {
  const char* name;         // as given to `hel emit --ir --passes=...`
  const char* description;
  void (*run)(Module&);
};

// Every pass, in pipeline order.
const std::vector<Pass>& pipeline();
const Pass* findPass(const std::string& name);

// Runs the whole pipeline (or only the named passes, in the given order),
// verifying after each pass. Returns an empty string, or the verifier's
// complaint naming the pass that broke the module, or "unknown pass 'x'".
std::string runPasses(Module& module, const std::vector<std::string>& names = {});

}  // namespace hel::tir
