#include "lower/AxisInfo.h"

#include <algorithm>

#include "support/Ops.h"

namespace hel::tir {
namespace {

constexpr int64_t kUnbounded = AxisFacts::kUnbounded;

int64_t powerOfTwoDividing(int64_t value) {
  if (value == 0) return kUnbounded;
  return std::min<int64_t>(value & -value, kUnbounded);
}

// What holds for every element: a contiguous run's later elements are odd.
int64_t elementDivisibility(const AxisFacts& facts) { return facts.contiguity > 1 ? 1 : facts.divisibility; }

// The divisibility at the starts of aligned runs of `length`, within runs of
// the value's own contiguity.
int64_t divisibilityAtRuns(const AxisFacts& facts, int64_t length) {
  return length == facts.contiguity ? facts.divisibility : std::min(facts.divisibility, length);
}

AxisFacts weakest(const Type& type) {
  AxisFacts facts;
  if (!type.isTile()) facts.constancy = kUnbounded;
  return facts;
}

// `a + b` or `a - b` (`subtract`: b may not be the contiguous side).
AxisFacts addFacts(const AxisFacts& a, const AxisFacts& b, bool subtract) {
  AxisFacts result;
  int64_t fromA = std::min(a.contiguity, b.constancy);
  int64_t fromB = subtract ? 1 : std::min(b.contiguity, a.constancy);
  result.constancy = std::min(a.constancy, b.constancy);
  if (fromA > 1 && fromA >= fromB) {
    result.contiguity = fromA;
    result.divisibility = std::min(divisibilityAtRuns(a, fromA), elementDivisibility(b));
  } else if (fromB > 1) {
    result.contiguity = fromB;
    result.divisibility = std::min(divisibilityAtRuns(b, fromB), elementDivisibility(a));
  } else {
    result.divisibility = std::min(elementDivisibility(a), elementDivisibility(b));
  }
  return result;
}

// A comparison's constancy: `contiguous < constant` (and `>=`) cannot change
// inside an aligned run whose start and the constant are both multiples of
// its length.
int64_t comparisonConstancy(BinaryOp kind, const AxisFacts& a, const AxisFacts& b) {
  int64_t constancy = std::min(a.constancy, b.constancy);
  auto within = [](const AxisFacts& run, const AxisFacts& bound) {
    if (run.contiguity == 1) return int64_t{1};
    return std::min({run.contiguity, bound.constancy, run.divisibility, elementDivisibility(bound)});
  };
  if (kind == BinaryOp::Lt || kind == BinaryOp::Ge) constancy = std::max(constancy, within(a, b));
  if (kind == BinaryOp::Gt || kind == BinaryOp::Le) constancy = std::max(constancy, within(b, a));
  return constancy;
}

}  // namespace

AxisInfo::AxisInfo(const Kernel& kernel) { visit(kernel.body); }

AxisFacts AxisInfo::facts(const Value* value) const {
  auto it = facts_.find(value);
  return it != facts_.end() ? it->second : weakest(value->type());
}

void AxisInfo::visit(const Block& block) {
  for (const auto& op : block.ops()) {
    if (op->kind() == OpKind::For) {
      const Block& body = op->regions()[0]->body();
      AxisFacts iv = weakest(body.argument(0)->type());
      iv.divisibility = std::min(facts(op->operand(0)).divisibility, facts(op->operand(2)).divisibility);
      facts_[body.argument(0)] = iv;
    }
    for (const auto& region : op->regions()) visit(region->body());
    if (op->numResults() != 1) continue;
    AxisFacts result = infer(*op);
    const Type& type = op->result()->type();
    if (type.isTile()) {
      int64_t last = type.shape.back();
      result.contiguity = std::min(result.contiguity, last);
      result.constancy = std::min(result.constancy, last);
    } else {
      result.contiguity = 1;
      result.constancy = kUnbounded;
    }
    facts_[op->result()] = result;
  }
}

AxisFacts AxisInfo::infer(const Op& op) const {
  const Type& type = op.result()->type();
  auto in = [&](size_t i) { return facts(op.operand(i)); };
  AxisFacts result = weakest(type);
  switch (op.kind()) {
    case OpKind::Constant: {
      const Attribute* value = op.findAttribute("value");
      if (const int64_t* integer = std::get_if<int64_t>(value)) result.divisibility = powerOfTwoDividing(*integer);
      result.constancy = kUnbounded;
      return result;
    }
    case OpKind::Arange:
      result.contiguity = op.intAttr("end") - op.intAttr("start");
      result.divisibility = powerOfTwoDividing(op.intAttr("start"));
      return result;
    case OpKind::Splat:
      result.divisibility = elementDivisibility(in(0));
      result.constancy = kUnbounded;
      return result;
    case OpKind::Broadcast: {
      const Type& source = op.operand(0)->type();
      if (source.shape.back() == type.shape.back()) return in(0);
      result.divisibility = elementDivisibility(in(0));
      result.constancy = kUnbounded;
      return result;
    }
    case OpKind::ExpandDims:
    case OpKind::Reshape:
    case OpKind::Permute: {
      const Type& source = op.operand(0)->type();
      bool lastKept = op.kind() == OpKind::ExpandDims ? op.intAttr("axis") < source.rank()
                    : op.kind() == OpKind::Reshape    ? source.shape.back() == type.shape.back()
                                                      : op.intsAttr("order").back() == source.rank() - 1;
      if (lastKept) return in(0);
      result.divisibility = elementDivisibility(in(0));
      return result;
    }
    case OpKind::Cast:
      if (!isFloating(type.dtype) && !isFloating(op.operand(0)->type().dtype)) return in(0);
      result.constancy = in(0).constancy;
      return result;
    case OpKind::Unary:
      result.constancy = in(0).constancy;
      return result;
    case OpKind::Select:
      result.constancy = std::min({in(0).constancy, in(1).constancy, in(2).constancy});
      result.divisibility = std::min(elementDivisibility(in(1)), elementDivisibility(in(2)));
      return result;
    case OpKind::Binary: {
      AxisFacts a = in(0), b = in(1);
      BinaryOp kind = *opNamed<BinaryOp>(op.stringAttr("op"));
      if (isFloating(op.operand(0)->type().dtype)) {
        result.constancy = std::min(a.constancy, b.constancy);
        return result;
      }
      switch (kind) {
        case BinaryOp::Add: return addFacts(a, b, false);
        case BinaryOp::Sub: return addFacts(a, b, true);
        case BinaryOp::Mul:
          result.divisibility = std::min(elementDivisibility(a) * elementDivisibility(b), kUnbounded);
          result.constancy = std::min(a.constancy, b.constancy);
          return result;
        case BinaryOp::Lt:
        case BinaryOp::Le:
        case BinaryOp::Gt:
        case BinaryOp::Ge: result.constancy = comparisonConstancy(kind, a, b); return result;
        case BinaryOp::Minimum:
        case BinaryOp::Maximum:
          // Each element is one of the two: a multiple of what divides both.
          result.divisibility = std::min(elementDivisibility(a), elementDivisibility(b));
          result.constancy = std::min(a.constancy, b.constancy);
          return result;
        default: result.constancy = std::min(a.constancy, b.constancy); return result;
      }
    }
    default: return result;
  }
}

}  // namespace hel::tir
