// Chooses the layout (Layout.h) each tile value of a kernel is computed in.
//
// Loads, atomics and the operands of stores take the coalescing canonical
// layout of their shape; a reduction's result keeps its input's layout minus
// the reduced bits (Triton's slice layout), so that broadcasting it back over
// the reduced dim, as softmax does, stays within each thread; broadcasts,
// permutes, scans and dots produce the canonical layout and ask for their
// operands in whatever layout makes that a relabelling of registers;
// elementwise ops follow their first operand that has a layout.
//
// Values computed only from constants, aranges and splats have no layout of
// their own: they are recomputed in whichever layout each user asks for
// (rematerialized), which is what makes offsets and masks free in any
// layout. A loop-carried value takes its initial value's layout, else the
// layout the loop body gives it, else the canonical one.
#pragma once

#include <unordered_map>

#include "backend/nvptx/Layout.h"
#include "lower/IR.h"

namespace hel::nvptx {

class LayoutAssignment {
 public:
  LayoutAssignment(const tir::Kernel& kernel, int threadBits);

  // The layout `value` (a tile) is computed in, or null when it is
  // rematerialized in its users' layouts.
  const Layout* layoutOf(const tir::Value* value) const;
  // The layout of `value` where it has one, else the canonical one.
  Layout layoutOrCanonical(const tir::Value* value) const;
  Layout canonical(const tir::Type& type) const { return canonicalLayout(type.shape, threadBits_); }

 private:
  void visit(const tir::Block& block);
  void visitFor(const tir::Op& op);
  void assign(const tir::Op& op);
  void set(const tir::Value* value, Layout layout) { layouts_[value] = std::move(layout); }

  int threadBits_;
  std::unordered_map<const tir::Value*, Layout> layouts_;
};

}  // namespace hel::nvptx
