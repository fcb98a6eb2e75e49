#include "lower/Rewrite.h"

#include <algorithm>

namespace hel::tir {

Value* ValueReplacements::lookup(Value* value) const {
  for (auto it = map_.find(value); it != map_.end(); it = map_.find(value)) value = it->second;
  return value;
}

void ValueReplacements::rewriteOperands(Op& op) const {
  for (size_t i = 0; i < op.operands().size(); ++i) op.setOperand(i, lookup(op.operand(i)));
}

void ValueReplacements::rewriteAll(Block& block) const {
  if (map_.empty()) return;
  walk(block, [&](Op& op) { rewriteOperands(op); });
}

void eraseOps(Block& block, const std::unordered_set<const Op*>& dead) {
  if (dead.empty()) return;
  auto& ops = block.ops();
  ops.erase(std::remove_if(ops.begin(), ops.end(), [&](const std::unique_ptr<Op>& op) { return dead.count(op.get()); }),
            ops.end());
  for (auto& op : ops)
    for (auto& region : op->regions()) eraseOps(region->body(), dead);
}

std::unordered_map<const Value*, size_t> countUses(const Block& block) {
  std::unordered_map<const Value*, size_t> uses;
  walk(block, [&](const Op& op) {
    for (const Value* operand : op.operands()) ++uses[operand];
  });
  return uses;
}

const Op* constantOp(const Value* value) {
  const Op* op = value->definingOp();
  return op && op->kind() == OpKind::Constant ? op : nullptr;
}

}  // namespace hel::tir
