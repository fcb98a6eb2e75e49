// The pass pipeline, in order. canonicalize runs again after mask-elimination
// to fold what the ranges decided (selects on now-constant masks, `and`s of
// true); transpose-loads needs the constants folded (its strides are constant
// factors); licm comes before cse so that hoisted ops meet their equals outside
// the loop, and before pipeline-loads so that what it clones is only what
// varies per iteration (cse then merges the clones' shared parts); dce last
// sweeps what the others left unused.
#include "lower/Pipeline.h"

#include <fmt/format.h>

#include "lower/Verifier.h"
#include "lower/passes/Passes.h"

namespace hel::tir {

const std::vector<Pass>& pipeline() {
  static const std::vector<Pass> passes = {
      {"canonicalize", "fold constants, simplify identities and selects", canonicalize},
      {"mask-elimination", "drop masks that a range analysis proves all true", eliminateMasks},
      {"canonicalize", "fold constants, simplify identities and selects", canonicalize},
      {"transpose-loads", "load tiles read through a transposed view row by row, then permute", transposeTransposedLoads},
      {"licm", "hoist loop-invariant pure ops out of for loops", hoistLoopInvariants},
      {"pipeline-loads", "with num_stages >= 2, issue each loop's loads one iteration ahead", pipelineLoads},
      {"cse", "merge equal pure ops", eliminateCommonSubexpressions},
      {"dce", "remove unused ops without side effects", eliminateDeadCode},
  };
  return passes;
}

const Pass* findPass(const std::string& name) {
  for (const Pass& pass : pipeline())
    if (name == pass.name) return &pass;
  return nullptr;
}

std::string runPasses(Module& module, const std::vector<std::string>& names) {
  std::vector<const Pass*> passes;
  if (names.empty()) {
    for (const Pass& pass : pipeline()) passes.push_back(&pass);
  }
  for (const std::string& name : names) {
    const Pass* pass = findPass(name);
    if (!pass) return fmt::format("unknown pass '{}'", name);
    passes.push_back(pass);
  }
  for (const Pass* pass : passes) {
    pass->run(module);
    if (std::string problem = verify(module); !problem.empty())
      return fmt::format("after pass '{}': {}", pass->name, problem);
  }
  return "";
}

}  // namespace hel::tir
