#include "runtime/bench/LaunchCost.h"

#include <array>
#include <unordered_map>

#include "lower/Fold.h"

namespace hel::bench {
namespace {

// At most this many programs have their loop bounds computed one by one.
constexpr int64_t kMostProgramsEvaluated = int64_t{1} << 22;

// The programs along one grid axis, its extent a constant or a parameter.
int64_t axisPrograms(const tir::GridAxis& axis, const std::vector<int64_t>& paramInts) {
  return axis.programsFor(axis.extentParam >= 0 ? paramInts.at(static_cast<size_t>(axis.extentParam)) : axis.extent);
}

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

// The index math of one program: a scalar computed from program ids, constants
// and integer parameters, for the program at `pid` (a loop bound that depends
// on the program: causal attention's keys, split_tail's pieces of K).
class ProgramIndexMath {
 public:
  ProgramIndexMath(const tir::Kernel& kernel, const std::vector<int64_t>& paramInts)
      : kernel_(kernel), paramInts_(paramInts) {}

  void setProgram(const std::array<int64_t, 3>& pid) {
    pid_ = pid;
    known_.clear();
  }
  std::optional<int64_t> integer(const tir::Value* value) {
    std::optional<tir::Attribute> result = evaluate(value);
    if (!result || !std::holds_alternative<int64_t>(*result)) return std::nullopt;
    return std::get<int64_t>(*result);
  }

 private:
  std::optional<tir::Attribute> evaluate(const tir::Value* value) {
    if (auto it = known_.find(value); it != known_.end()) return it->second;
    std::optional<tir::Attribute> result = compute(value);
    if (result) known_.emplace(value, *result);
    return result;
  }
  std::optional<tir::Attribute> compute(const tir::Value* value) {
    const tir::Op* op = value->definingOp();
    if (!op) {
      for (size_t i = 0; i < kernel_.numParams() && i < paramInts_.size(); ++i)
        if (kernel_.param(i) == value && value->type().isScalar() && !isFloating(value->type().dtype))
          return tir::Attribute(paramInts_[i]);
      return std::nullopt;
    }
    if (!op->result()->type().isScalar()) return std::nullopt;
    switch (op->kind()) {
      case tir::OpKind::Constant: return *op->findAttribute("value");
      case tir::OpKind::ProgramId: return tir::Attribute(pid_[static_cast<size_t>(op->intAttr("axis"))]);
      case tir::OpKind::NumPrograms: {
        return tir::Attribute(axisPrograms(kernel_.launch.grid.at(static_cast<size_t>(op->intAttr("axis"))), paramInts_));
      }
      case tir::OpKind::Binary: {
        std::optional<tir::Attribute> a = evaluate(op->operand(0)), b = evaluate(op->operand(1));
        if (!a || !b) return std::nullopt;
        return tir::foldBinary(*opNamed<BinaryOp>(op->stringAttr("op")), op->operand(0)->type().dtype, *a, *b);
      }
      case tir::OpKind::Select: {
        std::optional<int64_t> condition = integer(op->operand(0));
        if (!condition) return std::nullopt;
        return evaluate(op->operand(*condition ? 1 : 2));
      }
      case tir::OpKind::Cast: {
        std::optional<tir::Attribute> x = evaluate(op->operand(0));
        if (!x) return std::nullopt;
        return tir::foldCast(op->operand(0)->type().dtype, op->result()->type().dtype, *x);
      }
      default: return std::nullopt;
    }
  }

  const tir::Kernel& kernel_;
  const std::vector<int64_t>& paramInts_;
  std::array<int64_t, 3> pid_{};
  std::unordered_map<const tir::Value*, tir::Attribute> known_;
};

// The iterations of a loop at the kernel's top level summed over all programs,
// its bounds computed for each; nullopt where they are not index math.
std::optional<double> iterationsOverPrograms(const tir::Kernel& kernel, const tir::Op& loop,
                                             const std::vector<int64_t>& paramInts) {
  std::array<int64_t, 3> programs{1, 1, 1};
  for (size_t axis = 0; axis < kernel.launch.grid.size() && axis < 3; ++axis)
    programs[axis] = axisPrograms(kernel.launch.grid[axis], paramInts);
  if (programs[0] * programs[1] * programs[2] > kMostProgramsEvaluated) return std::nullopt;
  ProgramIndexMath math(kernel, paramInts);
  double total = 0;
  for (int64_t z = 0; z < programs[2]; ++z)
    for (int64_t y = 0; y < programs[1]; ++y)
      for (int64_t x = 0; x < programs[0]; ++x) {
        math.setProgram({x, y, z});
        std::optional<int64_t> lo = math.integer(loop.operand(0)), hi = math.integer(loop.operand(1));
        std::optional<int64_t> step = math.integer(loop.operand(2));
        if (!lo || !hi || !step || *step <= 0) return std::nullopt;
        if (*hi > *lo) total += static_cast<double>((*hi - *lo + *step - 1) / *step);
      }
  return total;
}

// 2 * M * N * K (times the batch) of one dot.
double dotFlops(const tir::Op& dot) {
  const std::vector<int64_t>& a = dot.operand(0)->type().shape;  // [B x] M x K
  const std::vector<int64_t>& b = dot.operand(1)->type().shape;  // [B x] K x N
  double flops = 2.0 * static_cast<double>(b.back());
  for (int64_t size : a) flops *= static_cast<double>(size);
  return flops;
}

// The dot work of `block` run `times` times (once by each program, where
// `onceAProgram`); nullopt once a loop's trip count is unknown.
std::optional<double> blockFlops(const tir::Kernel& kernel, const tir::Block& block, double times,
                                 const std::vector<int64_t>& paramInts, bool onceAProgram) {
  double total = 0;
  for (const auto& op : block.ops()) {
    if (op->kind() == tir::OpKind::Dot) total += times * dotFlops(*op);
    double inner = times;
    if (op->kind() == tir::OpKind::For) {
      std::optional<int64_t> lo = knownInt(kernel, op->operand(0), paramInts);
      std::optional<int64_t> hi = knownInt(kernel, op->operand(1), paramInts);
      std::optional<int64_t> step = knownInt(kernel, op->operand(2), paramInts);
      if (lo && hi && step && *step > 0) {
        inner *= static_cast<double>(*hi > *lo ? (*hi - *lo + *step - 1) / *step : 0);
      } else {
        // Without a dot inside, the count does not matter.
        bool hasDot = false;
        tir::walk(op->regions()[0]->body(), [&](const tir::Op& nested) { hasDot |= nested.kind() == tir::OpKind::Dot; });
        if (!hasDot) continue;
        std::optional<double> iterations = onceAProgram ? iterationsOverPrograms(kernel, *op, paramInts) : std::nullopt;
        if (!iterations) return std::nullopt;
        inner = *iterations;
      }
    }
    // An `if` may or may not run: its dots count as if it always did.
    for (const auto& region : op->regions()) {
      std::optional<double> nested =
          blockFlops(kernel, region->body(), inner, paramInts, onceAProgram && op->kind() == tir::OpKind::If);
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
  for (const tir::GridAxis& axis : kernel.launch.grid) programs *= axisPrograms(axis, paramInts);
  return programs;
}

LaunchCost launchCost(const tir::Kernel& kernel, const std::vector<int64_t>& paramBytes,
                      const std::vector<int64_t>& paramInts) {
  LaunchCost cost;
  std::vector<ParamUse> uses = paramUses(kernel);
  for (size_t i = 0; i < uses.size() && i < paramBytes.size(); ++i)
    cost.bytes += static_cast<double>(paramBytes[i]) * ((uses[i].reads ? 1 : 0) + (uses[i].writes ? 1 : 0));
  double programs = static_cast<double>(programCount(kernel, paramInts));
  cost.flops = blockFlops(kernel, kernel.body, programs, paramInts, /*onceAProgram=*/true);
  tir::walk(kernel.body, [&](const tir::Op& op) {
    if (op.kind() == tir::OpKind::Dot && !cost.dotInput) cost.dotInput = op.operand(0)->type().dtype;
  });
  return cost;
}

}  // namespace hel::bench
