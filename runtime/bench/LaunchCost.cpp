#include "runtime/bench/LaunchCost.h"

namespace hel::bench {
namespace {

// The kernel parameter a load, store or atomic goes through, or -1.
int pointerParam(const tir::Kernel& kernel, const tir::Op& op) {
  const tir::Value* pointer = op.operand(0);
  for (size_t i = 0; i < kernel.numParams(); ++i)
    if (kernel.param(i) == pointer) return static_cast<int>(i);
  return -1;
}

// The value of an integer scalar that is a constant or a parameter.
std::optional<int64_t> knownInt(const tir::Kernel& kernel, const tir::Value* value,
                                const std::vector<int64_t>& paramInts) {
  if (const tir::Op* op = value->definingOp()) {
    if (op->kind() != tir::OpKind::Constant) return std::nullopt;
    const tir::Attribute* attribute = op->findAttribute("value");
    if (!attribute || !std::holds_alternative<int64_t>(*attribute)) return std::nullopt;
    return std::get<int64_t>(*attribute);
  }
  for (size_t i = 0; i < kernel.numParams() && i < paramInts.size(); ++i)
    if (kernel.param(i) == value) return paramInts[i];
  return std::nullopt;
}

// 2 * M * N * K (times the batch) of one dot.
double dotFlops(const tir::Op& dot) {
  const std::vector<int64_t>& a = dot.operand(0)->type().shape;  // [B x] M x K
  const std::vector<int64_t>& b = dot.operand(1)->type().shape;  // [B x] K x N
  double flops = 2.0 * static_cast<double>(b.back());
  for (int64_t size : a) flops *= static_cast<double>(size);
  return flops;
}

// The dot work of `block` run `times` times; nullopt once a loop's trip count is unknown.
std::optional<double> blockFlops(const tir::Kernel& kernel, const tir::Block& block, double times,
                                 const std::vector<int64_t>& paramInts) {
  double total = 0;
  for (const auto& op : block.ops()) {
    if (op->kind() == tir::OpKind::Dot) total += times * dotFlops(*op);
    double inner = times;
    if (op->kind() == tir::OpKind::For) {
      std::optional<int64_t> lo = knownInt(kernel, op->operand(0), paramInts);
      std::optional<int64_t> hi = knownInt(kernel, op->operand(1), paramInts);
      std::optional<int64_t> step = knownInt(kernel, op->operand(2), paramInts);
      if (!lo || !hi || !step || *step <= 0) {
        // Without a dot inside, the count does not matter.
        bool hasDot = false;
        tir::walk(op->regions()[0]->body(), [&](const tir::Op& nested) { hasDot |= nested.kind() == tir::OpKind::Dot; });
        if (hasDot) return std::nullopt;
        continue;
      }
      inner *= static_cast<double>(*hi > *lo ? (*hi - *lo + *step - 1) / *step : 0);
    }
    // An `if` may or may not run: its dots count as if it always did.
    for (const auto& region : op->regions()) {
      std::optional<double> nested = blockFlops(kernel, region->body(), inner, paramInts);
      if (!nested) return std::nullopt;
      total += *nested;
    }
  }
  return total;
}

}  // namespace

std::vector<ParamUse> paramUses(const tir::Kernel& kernel) {
  std::vector<ParamUse> uses(kernel.numParams());
  tir::walk(kernel.body, [&](const tir::Op& op) {
    bool load = op.kind() == tir::OpKind::Load, store = op.kind() == tir::OpKind::Store;
    bool atomic = op.kind() == tir::OpKind::Atomic;
    if (!load && !store && !atomic) return;
    int param = pointerParam(kernel, op);
    if (param < 0) return;
    ParamUse& use = uses[static_cast<size_t>(param)];
    use.reads |= load || atomic;
    use.writes |= store || atomic;
    use.atomic |= atomic;
  });
  return uses;
}

bool isRepeatable(const std::vector<ParamUse>& uses) {
  for (const ParamUse& use : uses)
    if (use.atomic || (use.reads && use.writes)) return false;
  return true;
}

int64_t programCount(const tir::Kernel& kernel, const std::vector<int64_t>& paramInts) {
  int64_t programs = 1;
  for (const tir::GridAxis& axis : kernel.launch.grid) {
    int64_t extent = axis.extentParam >= 0 ? paramInts.at(static_cast<size_t>(axis.extentParam)) : axis.extent;
    programs *= axis.programsFor(extent);
  }
  return programs;
}

LaunchCost launchCost(const tir::Kernel& kernel, const std::vector<int64_t>& paramBytes,
                      const std::vector<int64_t>& paramInts) {
  LaunchCost cost;
  std::vector<ParamUse> uses = paramUses(kernel);
  for (size_t i = 0; i < uses.size() && i < paramBytes.size(); ++i)
    cost.bytes += static_cast<double>(paramBytes[i]) * ((uses[i].reads ? 1 : 0) + (uses[i].writes ? 1 : 0));
  double programs = static_cast<double>(programCount(kernel, paramInts));
  cost.flops = blockFlops(kernel, kernel.body, programs, paramInts);
  tir::walk(kernel.body, [&](const tir::Op& op) {
    if (op.kind() == tir::OpKind::Dot && !cost.dotInput) cost.dotInput = op.operand(0)->type().dtype;
  });
  return cost;
}

}  // namespace hel::bench
