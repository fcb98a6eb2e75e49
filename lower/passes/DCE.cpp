// dce: removes ops whose results are unused and that have no side effects:
// pure ops, loads, and for/if ops whose regions neither write nor print.
#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

class DeadCode {
 public:
  explicit DeadCode(Block& body) : uses_(countUses(body)) {}

  // Visits ops last to first, so an op whose only users die is seen after them.
  void sweep(Block& block) {
    for (auto it = block.ops().rbegin(); it != block.ops().rend(); ++it) {
      Op& op = **it;
      if (removable(op)) {
        dead_.insert(&op);
        walkOperands(op, [&](const Value* operand) { --uses_[operand]; });
        continue;
      }
      for (auto region = op.regions().rbegin(); region != op.regions().rend(); ++region) sweep((*region)->body());
    }
  }

  const std::unordered_set<const Op*>& dead() const { return dead_; }

 private:
  bool removable(const Op& op) const {
    if (op.kind() == OpKind::Yield || op.kind() == OpKind::Return || hasSideEffects(op)) return false;
    for (size_t i = 0; i < op.numResults(); ++i)
      if (uses_.count(op.result(i)) && uses_.at(op.result(i)) > 0) return false;
    return true;
  }

  // The operands of `op` and of every op in its regions.
  template <typename Fn>
  static void walkOperands(Op& op, const Fn& fn) {
    for (const Value* operand : op.operands()) fn(operand);
    for (auto& region : op.regions())
      walk(region->body(), [&](const Op& nested) {
        for (const Value* operand : nested.operands()) fn(operand);
      });
  }

  std::unordered_map<const Value*, size_t> uses_;
  std::unordered_set<const Op*> dead_;
};

}  // namespace

void eliminateDeadCode(Module& module) {
  for (auto& kernel : module.kernels) {
    DeadCode deadCode(kernel->body);
    deadCode.sweep(kernel->body);
    eraseOps(kernel->body, deadCode.dead());
  }
}

}  // namespace hel::tir
