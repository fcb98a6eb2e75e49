// mask-elimination: an integer range analysis, then what the ranges decide.
//
// Every integer (and i1) value gets an interval holding all its lanes:
// program_id along axis a lies in [0, programs(a)) from the launch grid, arange
// in [start, end-1], a loop's induction variable in [lo, its last value], and
// add/sub/mul/floor_divide/remainder/min/max/shifts/casts propagate intervals
// (to the dtype's full range when they might wrap). Then a pure op whose
// interval is one value becomes that constant (so comparisons the ranges
// decide fold to true or false), and loads, stores and atomics whose mask is
// all true drop it. This is how a kernel whose sizes divide its block sizes
// loses its masks.
//
// A loop whose lo is a multiple of its step stops at the last multiple below
// hi's largest value.
//
// Intervals do not relate a loop's induction variable to its bound, so one
// comparison is decided by divisibility instead: in a loop from lo to hi by a
// step s that divides both (AxisInfo), iv + k < hi for every k < s, since iv
// is at most hi - s. That is the mask of hl.tile(begin, end) when the span is
// whole tiles, as in causal attention's key loops (0 to tile_m.begin).
#include <algorithm>
#include <limits>
#include <optional>

#include "lower/AxisInfo.h"
#include "lower/IRBuilder.h"
#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

struct Range {
  int64_t lo, hi;  // inclusive
  bool single() const { return lo == hi; }
};

std::optional<Range> fullRange(DType dtype) {
  switch (dtype) {
    case DType::Bool: return Range{0, 1};
    case DType::UInt8: return Range{0, 255};
    case DType::Int8: return Range{-128, 127};
    case DType::Int16: return Range{-32768, 32767};
    case DType::Int32: return Range{std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    case DType::Int64: return Range{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
    default: return std::nullopt;
  }
}

// `range` if it fits `dtype`, else the dtype's full range (the value may wrap).
Range clampTo(std::optional<Range> range, DType dtype) {
  Range full = *fullRange(dtype);
  if (range && range->lo >= full.lo && range->hi <= full.hi) return *range;
  return full;
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// The interval spanned by f over the corners of a and b, or none on overflow.
template <typename F>
std::optional<Range> corners(Range a, Range b, const F& f) {
  std::optional<Range> result;
  for (int64_t x : {a.lo, a.hi}) {
    for (int64_t y : {b.lo, b.hi}) {
      std::optional<int64_t> v = f(x, y);
      if (!v) return std::nullopt;
      result = result ? Range{std::min(result->lo, *v), std::max(result->hi, *v)} : Range{*v, *v};
    }
  }
  return result;
}

std::optional<int64_t> checkedAdd(int64_t x, int64_t y) {
  int64_t r;
  return __builtin_add_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
}
std::optional<int64_t> checkedSub(int64_t x, int64_t y) {
  int64_t r;
  return __builtin_sub_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
}
std::optional<int64_t> checkedMul(int64_t x, int64_t y) {
  int64_t r;
  return __builtin_mul_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
}

// The interval of a comparison's i1 result: decided when the intervals allow
// one answer only.
Range compare(BinaryOp op, Range a, Range b) {
  auto decided = [](bool alwaysTrue, bool alwaysFalse) {
    return alwaysTrue ? Range{1, 1} : alwaysFalse ? Range{0, 0} : Range{0, 1};
  };
  switch (op) {
    case BinaryOp::Lt: return decided(a.hi < b.lo, a.lo >= b.hi);
    case BinaryOp::Le: return decided(a.hi <= b.lo, a.lo > b.hi);
    case BinaryOp::Gt: return decided(a.lo > b.hi, a.hi <= b.lo);
    case BinaryOp::Ge: return decided(a.lo >= b.hi, a.hi < b.lo);
    case BinaryOp::Eq: return decided(a.single() && b.single() && a.lo == b.lo, a.hi < b.lo || b.hi < a.lo);
    case BinaryOp::Ne: return decided(a.hi < b.lo || b.hi < a.lo, a.single() && b.single() && a.lo == b.lo);
    default: return {0, 1};
  }
}

std::optional<Range> arithmetic(BinaryOp op, Range a, Range b) {
  switch (op) {
    case BinaryOp::Add: return corners(a, b, checkedAdd);
    case BinaryOp::Sub: return corners(a, b, checkedSub);
    case BinaryOp::Mul: return corners(a, b, checkedMul);
    case BinaryOp::Maximum: return Range{std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
    case BinaryOp::Minimum: return Range{std::min(a.lo, b.lo), std::min(a.hi, b.hi)};
    case BinaryOp::FloorDiv:
      // Monotonic in each operand while the divisor keeps one sign.
      if (b.lo <= 0 && b.hi >= 0) return std::nullopt;
      return corners(a, b, [](int64_t x, int64_t y) -> std::optional<int64_t> {
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return std::nullopt;
        return floorDiv(x, y);
      });
    case BinaryOp::Mod:
      // Python's remainder takes the divisor's sign: [0, d-1] for positive d.
      if (b.lo <= 0) return std::nullopt;
      if (a.lo >= 0 && a.hi < b.lo) return a;
      return Range{0, b.hi - 1};
    case BinaryOp::BitwiseAnd:
      if (a.lo < 0 || b.lo < 0) return std::nullopt;
      return Range{0, std::min(a.hi, b.hi)};
    case BinaryOp::LShift:
      if (a.lo < 0 || b.lo < 0 || b.hi > 62) return std::nullopt;
      return corners(a, b, [](int64_t x, int64_t y) { return checkedMul(x, int64_t{1} << y); });
    case BinaryOp::RShift:
      if (b.lo < 0 || b.hi > 63) return std::nullopt;
      return Range{a.lo >= 0 ? a.lo >> b.hi : a.lo >> b.lo, a.hi >= 0 ? a.hi >> b.lo : a.hi >> b.hi};
    // On i1 values (0 and 1), `and` is the minimum and `or` the maximum.
    case BinaryOp::LogicalAnd: return Range{std::min(a.lo, b.lo), std::min(a.hi, b.hi)};
    case BinaryOp::LogicalOr: return Range{std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
    default: return std::nullopt;
  }
}

class MaskEliminator {
 public:
  explicit MaskEliminator(Kernel& kernel) : kernel_(kernel), axisInfo_(kernel) {}

  void run() {
    block(kernel_.body);
    eraseOps(kernel_.body, dead_);
  }

 private:
  // The interval of an integer value; nullopt for floats and pointers.
  std::optional<Range> range(const Value* value) const {
    if (value->type().isPointer()) return std::nullopt;
    auto it = ranges_.find(value);
    return it != ranges_.end() ? it->second : fullRange(value->type().dtype);
  }

  // The number of programs along a grid axis, when the extent is a constant.
  std::optional<int64_t> programs(int64_t axis) const {
    const GridAxis& grid = kernel_.launch.grid.at(static_cast<size_t>(axis));
    if (grid.extentParam >= 0) return std::nullopt;
    return grid.programsFor(grid.extent);
  }

  // The splatted scalar of `value` (or the scalar itself).
  static const Value* scalarOf(const Value* value) {
    const Op* op = value->definingOp();
    return op && op->kind() == OpKind::Splat ? op->operand(0) : value;
  }

  // Whether `lt(a, b)` is iv + k < hi with k < the step of iv's loop, which
  // divides both of the loop's bounds (see the top of the file).
  bool withinWholeTiles(const Value* a, const Value* b) const {
    const Op* add = a->definingOp();
    if (!add || add->kind() != OpKind::Binary || add->stringAttr("op") != "add") return false;
    for (int side = 0; side < 2; ++side) {
      auto loop = loops_.find(scalarOf(add->operand(side)));
      const Op* offsets = add->operand(1 - side)->definingOp();
      if (loop == loops_.end() || !offsets || offsets->kind() != OpKind::Arange) continue;
      const Op& forOp = *loop->second;
      std::optional<Range> step = range(forOp.operand(2));
      if (!step || !step->single() || step->lo < 1 || scalarOf(b) != forOp.operand(1)) continue;
      auto divides = [&](const Value* bound) {
        std::optional<Range> value = range(bound);
        if (value && value->single()) return value->lo % step->lo == 0;
        return axisInfo_.facts(bound).divisibility % step->lo == 0;
      };
      if (offsets->intAttr("start") >= 0 && offsets->intAttr("end") <= step->lo && divides(forOp.operand(0)) &&
          divides(forOp.operand(1)))
        return true;
    }
    return false;
  }

  std::optional<Range> binaryRange(const Op& op) const {
    std::optional<Range> a = range(op.operand(0)), b = range(op.operand(1));
    if (!a || !b) return std::nullopt;
    BinaryOp binary = *opNamed<BinaryOp>(op.stringAttr("op"));
    if (binary == BinaryOp::Lt && withinWholeTiles(op.operand(0), op.operand(1))) return Range{1, 1};
    if (opInfo(binary).rule == BinaryRule::Compare) return compare(binary, *a, *b);
    // Bitwise and/or on i1 are the logical ones.
    if (op.operand(0)->type().dtype == DType::Bool) {
      if (binary == BinaryOp::BitwiseAnd) binary = BinaryOp::LogicalAnd;
      if (binary == BinaryOp::BitwiseOr) binary = BinaryOp::LogicalOr;
    }
    return arithmetic(binary, *a, *b);
  }

  // The interval of `op`'s first result, before clamping to its dtype.
  std::optional<Range> transfer(const Op& op) const {
    switch (op.kind()) {
      case OpKind::Constant:
        if (const int64_t* value = std::get_if<int64_t>(op.findAttribute("value"))) return Range{*value, *value};
        return std::nullopt;
      case OpKind::ProgramId: {
        std::optional<int64_t> n = programs(op.intAttr("axis"));
        return Range{0, n ? std::max<int64_t>(*n - 1, 0) : std::numeric_limits<int32_t>::max()};
      }
      case OpKind::NumPrograms: {
        std::optional<int64_t> n = programs(op.intAttr("axis"));
        return n ? Range{*n, *n} : Range{0, std::numeric_limits<int32_t>::max()};
      }
      case OpKind::Arange: return Range{op.intAttr("start"), op.intAttr("end") - 1};
      case OpKind::Splat:
      case OpKind::Broadcast:
      case OpKind::ExpandDims:
      case OpKind::Reshape:
      case OpKind::Permute:
      case OpKind::Cast: return range(op.operand(0));
      case OpKind::Binary: return binaryRange(op);
      case OpKind::Unary: {
        std::optional<Range> x = range(op.operand(0));
        const std::string& name = op.stringAttr("op");
        if (x && name == "neg") return corners(*x, {0, 0}, [](int64_t a, int64_t) { return checkedSub(0, a); });
        if (x && (name == "logical_not" || (name == "bitwise_not" && op.operand(0)->type().dtype == DType::Bool)))
          return Range{1 - x->hi, 1 - x->lo};
        return std::nullopt;
      }
      case OpKind::Select: {
        std::optional<Range> c = range(op.operand(0)), a = range(op.operand(1)), b = range(op.operand(2));
        if (!c || !a || !b) return std::nullopt;
        if (c->lo == 1) return a;
        if (c->hi == 0) return b;
        return Range{std::min(a->lo, b->lo), std::max(a->hi, b->hi)};
      }
      case OpKind::Reduce: {
        const std::string& name = op.stringAttr("op");
        if (name == "max" || name == "min" || name == "amax" || name == "amin") return range(op.operand(0));
        return std::nullopt;
      }
      default: return std::nullopt;
    }
  }

  // The induction variable runs from lo up to its last value below hi.
  void inductionRange(const Op& loop) {
    std::optional<Range> lo = range(loop.operand(0)), hi = range(loop.operand(1)), step = range(loop.operand(2));
    if (!lo || !hi || !step || step->lo < 1) return;
    std::optional<int64_t> below = checkedSub(hi->hi, 1);
    if (!below) return;  // hi is the smallest i64: the body never runs
    int64_t last = *below;
    std::optional<int64_t> span = checkedSub(last, lo->lo);
    if (lo->single() && step->single() && span && *span >= 0) last = lo->lo + *span / step->lo * step->lo;
    // From a multiple of the step (split_tail's pieces of a loop), the last
    // value is one too.
    else if (step->single() && axisInfo_.facts(loop.operand(0)).divisibility % step->lo == 0)
      last = floorDiv(last, step->lo) * step->lo;
    if (last < lo->lo) return;  // the body never runs
    ranges_[loop.regions()[0]->body().argument(0)] = {lo->lo, last};
    loops_[loop.regions()[0]->body().argument(0)] = &loop;
  }

  // Whether the mask at `index` (when present) is all true; then it goes.
  bool dropMaskIfTrue(Op& op, size_t index) {
    if (op.operands().size() <= index) return false;
    std::optional<Range> mask = range(op.operand(index));
    if (!mask || mask->lo != 1) return false;
    std::vector<Value*> operands(op.operands().begin(), op.operands().begin() + static_cast<std::ptrdiff_t>(index));
    op.setOperands(std::move(operands));  // a load's `other` goes with its mask
    return true;
  }

  void block(Block& block) {
    for (size_t i = 0; i < block.ops().size(); ++i) {
      Op& op = *block.ops()[i];
      replacements_.rewriteOperands(op);
      switch (op.kind()) {
        case OpKind::Load: dropMaskIfTrue(op, 2); break;
        case OpKind::Store: dropMaskIfTrue(op, 3); break;
        case OpKind::Atomic: dropMaskIfTrue(op, op.stringAttr("op") == "cas" ? 4 : 3); break;
        case OpKind::For: inductionRange(op); break;
        default: break;
      }
      for (auto& region : op.regions()) this->block(region->body());
      if (op.numResults() != 1 || !fullRange(op.result()->type().dtype)) continue;
      Range result = clampTo(transfer(op), op.result()->type().dtype);
      ranges_[op.result()] = result;
      if (result.single() && op.kind() != OpKind::Constant && isPure(op) && op.regions().empty()) {
        IRBuilder builder(block, i);
        builder.setLocation(op.location);
        Value* constant = builder.intConstant(op.result()->type(), result.lo);
        constant->setNameHint(op.result()->nameHint());
        ranges_[constant] = result;
        replacements_.add(op.result(), constant);
        dead_.insert(&op);
        ++i;
      }
    }
  }

  Kernel& kernel_;
  AxisInfo axisInfo_;  // of the kernel as it came (for the loop bounds' divisibility)
  std::unordered_map<const Value*, Range> ranges_;
  std::unordered_map<const Value*, const Op*> loops_;  // induction variable -> its for
  ValueReplacements replacements_;
  std::unordered_set<const Op*> dead_;
};

}  // namespace

void eliminateMasks(Module& module) {
  for (auto& kernel : module.kernels) MaskEliminator(*kernel).run();
}

}  // namespace hel::tir
