// Lowering of one device loop (`for tile in hl.tile(...)` at the top of a
// kernel) to a tile IR kernel, specialized on the host values it uses.
//
// One walk over the loop's AST types every expression with the rules of
// sema/ (Dims, broadcasting, PyTorch's dtype promotion, the builtin table) and
// emits tile IR for it. Each tile is its own dim; every tile tensor knows which
// of its elements are real (the partial last tile, padding of non-power-of-two
// dims), and lowering masks loads, stores, reductions and dots with that
// (LANGUAGE.md §5). User mistakes become a CompileError with a located
// diagnostic from support/Diagnostics.def.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lower/IR.h"
#include "parser/Ast.h"
#include "sema/HostEnvironment.h"
#include "support/Diagnostics.h"

namespace hel::lower {

struct CompileError {
  Diagnostic diagnostic;
};

struct DeviceLoopOptions {
  std::string kernelName;
  // The block size of dimension `dim` of the `hl.tile` loop `loop` (numbered by
  // the caller in source order, against Config.block_sizes or a default).
  // `extent` is the dim's size. May throw CompileError.
  std::function<int64_t(const ast::For& loop, int dim, int64_t extent, SourceRange range)> blockSize;
  std::string dotPrecision = "ieee";
  // The kernel's static_shapes setting: when false, the sizes of a tensor's
  // dims (other than 1) are not compile-time constants for the user's code.
  bool staticShapes = true;
  int64_t numWarps = 4;
  int64_t numStages = 1;
  std::string pidType = "flat";
  std::string indexing;  // Config.indexing; empty when the config leaves it out
  // A permutation of the top-level tile dims: loopOrder[0] varies fastest.
  std::vector<int64_t> loopOrder;
  // With a flat grid over 2+ dims: groups of this many tiles of the fastest dim
  // are walked together along the next dim, so neighbouring programs share data
  // in L2 (Triton's grouped ordering). 1 is off.
  int64_t l2Grouping = 1;
  // The GPU's SM count: how many programs a persistent pid_type launches; with
  // "split_tail", the tiles past its last multiple are split along their
  // first hl.tile loop (K) among several programs each, which combine_splits
  // adds up, so that the last wave's work spreads over every SM.
  int64_t persistentPrograms = 132;
};

struct LoweredLoop {
  std::unique_ptr<tir::Module> module;  // one kernel
  // For each kernel parameter, in order: the host tensor it points into
  // (HostTensorInfo::identity).
  std::vector<const void*> tensorArgs;
};

// Throws CompileError.
LoweredLoop lowerDeviceLoop(const ast::For& loop, sema::HostEnvironment& env, const DeviceLoopOptions& options);

}  // namespace hel::lower
