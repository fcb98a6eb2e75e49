// The textual form of the tile IR (`hel emit --ir`). Printing, parsing and
// printing again gives the same text (tests/unit/lower checks it).
//
//   kernel @add(%x: ptr<f32>, %out: ptr<f32>) grid [8192 / 32]
//       {num_warps = 4, num_stages = 1, pid_type = "flat"} {      (one line)
//     %pid = program_id {axis = 0} : i32
//     ...
//     return
//   }
//
// A grid axis is `extent / block_size` (ceil division gives the program count),
// the extent a constant or a scalar parameter. Values print under their name
// hint, made unique (`%acc`, `%acc_1`), or as numbers in order of appearance.
// Unary and binary ops print under their `op` attribute's name. Regions follow
// the result types: `{`, a `^bb(%iv: i32, ...):` line when the block has
// arguments, the ops, `}`; an `if`'s two regions are joined by `else`.
#pragma once

#include <string>

#include "lower/IR.h"

namespace hel::tir {

struct PrintOptions {
  // Appends ` loc(LINE:COL)` to ops that carry a source location.
  bool locations = false;
};

std::string print(const Module& module, const PrintOptions& options = {});
std::string print(const Kernel& kernel, const PrintOptions& options = {});

// One op of `kernel` on one line, named as print(kernel) names it, its regions
// shown as `{...}`: for messages about that op.
std::string printOp(const Kernel& kernel, const Op& op);

}  // namespace hel::tir
