// Small tools the passes share for changing the IR in place. The IR keeps no
// use lists: a pass records replacements and applies them to operands as it
// walks forward (every use comes after its definition, nested regions after the
// op that owns them), and erases dead ops at its end.
#pragma once

#include <unordered_map>
#include <unordered_set>

#include "lower/IR.h"

namespace hel::tir {

class ValueReplacements {
 public:
  void add(Value* from, Value* to) { map_[from] = to; }
  bool empty() const { return map_.empty(); }
  // `value`'s final replacement (following chains), or `value` itself.
  Value* lookup(Value* value) const;
  // Rewires the operands of `op` (not of the ops in its regions).
  void rewriteOperands(Op& op) const;
  // Rewires every operand in `block` and its regions.
  void rewriteAll(Block& block) const;

 private:
  std::unordered_map<Value*, Value*> map_;
};

// Removes the ops in `dead` (and everything in their regions) from `block` and
// the blocks nested in it.
void eraseOps(Block& block, const std::unordered_set<const Op*>& dead);

// How many operands in `block` and its regions use each value.
std::unordered_map<const Value*, size_t> countUses(const Block& block);

// The op that defines `value` if it is a `const`, else null.
const Op* constantOp(const Value* value);

}  // namespace hel::tir
