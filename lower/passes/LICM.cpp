// licm: moves pure ops out of a `for` body when every operand is defined
// outside it, to just before the loop. Inner loops go first, so an op can rise
// through several levels. The loop may run zero times, so ops that can fault
// (an integer division by what may be zero) stay inside.
#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

bool mayFault(const Op& op) {
  if (op.kind() != OpKind::Binary || isFloating(op.operand(0)->type().dtype)) return false;
  const std::string& name = op.stringAttr("op");
  if (name != "floor_divide" && name != "remainder") return false;
  const Op* divisor = constantOp(op.operand(1));
  const int64_t* value = divisor ? std::get_if<int64_t>(divisor->findAttribute("value")) : nullptr;
  return !value || *value == 0;
}

bool invariant(const Op& op, const Block& body) {
  if (!isPure(op) || !op.regions().empty() || mayFault(op)) return false;
  for (const Value* operand : op.operands())
    if (operand->parentBlock()->isInside(body)) return false;
  return true;
}

void hoist(Block& block) {
  for (size_t i = 0; i < block.ops().size(); ++i) {
    Op& op = *block.ops()[i];
    for (auto& region : op.regions()) hoist(region->body());
    if (op.kind() != OpKind::For) continue;
    auto& body = op.regions()[0]->body().ops();
    for (size_t j = 0; j < body.size();) {
      if (!invariant(*body[j], op.regions()[0]->body())) {
        ++j;
        continue;
      }
      std::unique_ptr<Op> moved = std::move(body[j]);
      body.erase(body.begin() + static_cast<std::ptrdiff_t>(j));
      block.insert(i++, std::move(moved));  // the loop moves down one place
    }
  }
}

}  // namespace

void hoistLoopInvariants(Module& module) {
  for (auto& kernel : module.kernels) hoist(kernel->body);
}

}  // namespace hel::tir
