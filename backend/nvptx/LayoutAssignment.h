// Chooses the layout (Layout.h) each tile value of a kernel is computed in.
//
// Each tile shape has a preferred layout: the coalescing canonical one when
// the kernel loads or stores tiles of that shape, else, when the kernel
// reduces such tiles along their last dim, one that keeps the reduced elements
// in registers (attention's score tiles). Loads and atomics take the
// preferred layout of their shape, except a load whose users all broadcast
// it, which takes the layout they read it in, and a load before a loop that
// only wgmma dots in it read as a, which takes the register layout of a;
// a reduction's result keeps its input's layout minus
// the reduced bits (Triton's slice layout), so that broadcasting it back over
// the reduced dim, as softmax does, stays within each thread; broadcasts are
// computed in each user's layout; permutes, scans and generic FMA dots produce
// the preferred layout and ask for their operands in whatever layout makes that a
// relabelling of registers; an FMA dot of f32 matrices produces its blocked layout;
// elementwise ops follow their first operand that has a layout; a
// tensor-core dot produces its instruction's accumulator layout (wgmma's or
// mma.sync's).
//
// Values computed only from constants, aranges and splats have no layout of
// their own: they are recomputed in whichever layout each user asks for
// (rematerialized), which is what makes offsets and masks free in any
// layout. A loop-carried value takes its initial value's layout, else the
// layout the loop body gives it, else the preferred one.
#pragma once

#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "backend/nvptx/Layout.h"
#include "lower/IR.h"

namespace hel::nvptx {

class LayoutAssignment {
 public:
  // warpGroupMma: the target has wgmma (Hopper), which tensor-core dots use where they fit.
  LayoutAssignment(const tir::Kernel& kernel, int threadBits, bool warpGroupMma);

  // The layout `value` (a tile) is computed in, or null when it is
  // rematerialized in its users' layouts.
  const Layout* layoutOf(const tir::Value* value) const;
  // A dot's tensor-core layouts: f16 or bf16 operands (or f32 ones with
  // dot_precision="tf32" or "tf32x3"), an f32 accumulator, matrices
  // (matrixShape) of at least 16x8x16 (16x8x8 for tf32); else none (the FMA
  // dot). wgmma's where the target has it and the tile fits (wgmmaLayouts;
  // for tf32 swappedWgmmaLayouts first, unless b is read through a
  // transpose), else mma.sync's; tf32x3 always mma.sync's.
  std::optional<MmaLayouts> tensorCoreLayouts(const tir::Op& dot) const;
  // The accumulator layout of a dot of f32 matrices that runs on FMAs with
  // both operands in shared memory (fmaDotLayout), where it fits; else none
  // (the generic FMA dot).
  std::optional<Layout> blockedFmaLayout(const tir::Op& dot) const;
  // Whether a dot reads its operands from shared memory: a tensor-core dot
  // or a blocked FMA dot; their loads can go straight into rings.
  bool readsOperandsFromShared(const tir::Op& dot) const;
  // The layout of `value` where it has one, else the preferred one of its shape.
  Layout layoutOrPreferred(const tir::Value* value) const;
  Layout preferred(const tir::Type& type) const;

 private:
  void visit(const tir::Block& block);
  void visitFor(const tir::Op& op);
  void assign(const tir::Op& op);
  // The register layout of a wgmma dot's a, when `load` is only that, to
  // dots in a loop below it; else none.
  std::optional<Layout> warpGroupOperandDemand(const tir::Op& load) const;
  // Whether every use of `value`, through loop-carried values, is as b of a
  // tf32 wgmma dot that stages it transposed, not swapped (`seen`: the values
  // already followed).
  bool onlyTf32B(const tir::Value* value, std::set<const tir::Value*>& seen) const;
  // The layout every user of `value` wants when all of them broadcast it
  // (through expand_dims/reshape) and agree; else none.
  std::optional<Layout> broadcastDemand(const tir::Value* value) const;
  void set(const tir::Value* value, Layout layout) { layouts_[value] = std::move(layout); }

  int threadBits_;
  bool warpGroupMma_;
  std::set<std::vector<int64_t>> accessedShapes_;     // of loads, stores and atomics
  std::set<std::vector<int64_t>> lastDimReducedShapes_;
  std::unordered_map<const tir::Value*, Layout> layouts_;
  std::unordered_map<const tir::Value*, std::vector<const tir::Op*>> users_;
};

}  // namespace hel::nvptx
