#include "lower/BoxAccess.h"

#include <algorithm>
#include <map>

#include "support/Ops.h"

namespace hel::tir {

bool LinearForm::operator==(const LinearForm& other) const {
  if (constant != other.constant || terms.size() != other.terms.size()) return false;
  return std::all_of(terms.begin(), terms.end(),
                     [&](const auto& term) { return other.coefficientOf(term.first) == term.second; });
}

int64_t LinearForm::coefficientOf(const Value* value) const {
  for (const auto& [term, coefficient] : terms)
    if (term == value) return coefficient;
  return 0;
}

LinearForm LinearForm::plus(const LinearForm& other, int64_t scale) const {
  LinearForm sum = *this;
  sum.constant += scale * other.constant;
  for (const auto& [value, coefficient] : other.terms) {
    auto found = std::find_if(sum.terms.begin(), sum.terms.end(), [&](const auto& term) { return term.first == value; });
    if (found == sum.terms.end()) sum.terms.emplace_back(value, scale * coefficient);
    else if ((found->second += scale * coefficient) == 0) sum.terms.erase(found);
  }
  return sum;
}

LinearForm LinearForm::times(int64_t factor) const {
  if (factor == 0) return {};
  LinearForm product = *this;
  product.constant *= factor;
  for (auto& term : product.terms) term.second *= factor;
  return product;
}

std::optional<LinearForm> LinearForm::dividedExactly(int64_t divisor) const {
  if (divisor == 0 || constant % divisor != 0) return std::nullopt;
  LinearForm quotient;
  quotient.constant = constant / divisor;
  for (const auto& [value, coefficient] : terms) {
    if (coefficient % divisor != 0) return std::nullopt;
    quotient.terms.emplace_back(value, coefficient / divisor);
  }
  return quotient;
}

namespace {

std::optional<BinaryOp> binaryKind(const Op& op) {
  if (op.kind() != OpKind::Binary) return std::nullopt;
  return opNamed<BinaryOp>(op.stringAttr("op"));
}

// An integer scalar as a linear form: sums and constant multiples are looked
// through, anything else is a term of its own.
LinearForm linearScalar(const Value* value) {
  const Op* op = value->definingOp();
  LinearForm leaf;
  leaf.terms.emplace_back(value, 1);
  if (!op) return leaf;
  if (op->kind() == OpKind::Constant) {
    const int64_t* integer = std::get_if<int64_t>(op->findAttribute("value"));
    if (!integer) return leaf;
    LinearForm constant;
    constant.constant = *integer;
    return constant;
  }
  std::optional<BinaryOp> kind = binaryKind(*op);
  if (!kind) return leaf;
  if (*kind == BinaryOp::Add || *kind == BinaryOp::Sub)
    return linearScalar(op->operand(0)).plus(linearScalar(op->operand(1)), *kind == BinaryOp::Add ? 1 : -1);
  if (*kind == BinaryOp::Mul) {
    LinearForm a = linearScalar(op->operand(0)), b = linearScalar(op->operand(1));
    if (b.isConstant()) return a.times(b.constant);
    if (a.isConstant()) return b.times(a.constant);
  }
  return leaf;
}

// An integer tile as origin + sum over dims of coefficient * index.
struct Affine {
  LinearForm origin;
  std::vector<int64_t> coefficients;
  bool uniform() const {
    return std::all_of(coefficients.begin(), coefficients.end(), [](int64_t c) { return c == 0; });
  }
};

std::optional<Affine> affineTile(const Value* value) {
  const Type& type = value->type();
  if (!type.isTile() || !isIntegral(type.dtype, false)) return std::nullopt;
  const Op* op = value->definingOp();
  if (!op) return std::nullopt;
  std::vector<int64_t> zeros(type.shape.size(), 0);
  switch (op->kind()) {
    case OpKind::Constant: {
      const int64_t* integer = std::get_if<int64_t>(op->findAttribute("value"));
      if (!integer) return std::nullopt;
      Affine constant;
      constant.coefficients = zeros;
      constant.origin.constant = *integer;
      return constant;
    }
    case OpKind::Splat: {
      Affine uniform;
      uniform.coefficients = zeros;
      uniform.origin = linearScalar(op->operand(0));
      return uniform;
    }
    case OpKind::Arange: {
      Affine range;
      range.coefficients = {1};
      range.origin.constant = op->intAttr("start");
      return range;
    }
    case OpKind::ExpandDims: {
      std::optional<Affine> inner = affineTile(op->operand(0));
      if (!inner) return std::nullopt;
      inner->coefficients.insert(inner->coefficients.begin() + op->intAttr("axis"), 0);
      return inner;
    }
    case OpKind::Broadcast: {
      std::optional<Affine> inner = affineTile(op->operand(0));
      if (!inner) return std::nullopt;
      const std::vector<int64_t>& source = op->operand(0)->type().shape;
      for (size_t d = 0; d < source.size(); ++d)
        if (source[d] == 1) inner->coefficients[d] = 0;
      return inner;
    }
    case OpKind::Binary: {
      BinaryOp kind = *binaryKind(*op);
      if (kind != BinaryOp::Add && kind != BinaryOp::Sub && kind != BinaryOp::Mul) return std::nullopt;
      std::optional<Affine> a = affineTile(op->operand(0)), b = affineTile(op->operand(1));
      if (!a || !b) return std::nullopt;
      if (kind == BinaryOp::Mul) {
        if (!b->uniform() || !b->origin.isConstant()) std::swap(a, b);
        if (!b->uniform() || !b->origin.isConstant()) return std::nullopt;
        int64_t factor = b->origin.constant;
        for (int64_t& c : a->coefficients) c *= factor;
        a->origin = a->origin.times(factor);
        return a;
      }
      int64_t sign = kind == BinaryOp::Add ? 1 : -1;
      for (size_t d = 0; d < a->coefficients.size(); ++d) a->coefficients[d] += sign * b->coefficients[d];
      a->origin = a->origin.plus(b->origin, sign);
      return a;
    }
    default: return std::nullopt;
  }
}

// A bound `index < limit` on one dim of a load's tile.
struct DimBound {
  LinearForm indexOrigin;  // the index of the tile's first element along the dim
  int64_t limit;
};

struct MaskTerms {
  std::vector<const Value*> predicates;
  std::map<size_t, DimBound> bounds;  // by the tile's dim
};

// Collects the conjunction `mask` into `terms`; `dims` maps each dim of mask
// to the load tile's dim. False where a term is of no form a box can take.
bool collectMask(const Value* mask, const std::vector<size_t>& dims, MaskTerms& terms) {
  const Op* op = mask->definingOp();
  if (!mask->type().isTile()) {
    terms.predicates.push_back(mask);
    return true;
  }
  if (!op) return false;
  switch (op->kind()) {
    case OpKind::Splat: terms.predicates.push_back(op->operand(0)); return true;
    case OpKind::Constant: {
      const int64_t* integer = std::get_if<int64_t>(op->findAttribute("value"));
      return integer && *integer != 0;
    }
    case OpKind::Broadcast: return collectMask(op->operand(0), dims, terms);
    case OpKind::ExpandDims: {
      std::vector<size_t> inner = dims;
      inner.erase(inner.begin() + op->intAttr("axis"));
      return collectMask(op->operand(0), inner, terms);
    }
    case OpKind::Binary: {
      BinaryOp kind = *binaryKind(*op);
      if (kind == BinaryOp::LogicalAnd || kind == BinaryOp::BitwiseAnd)
        return collectMask(op->operand(0), dims, terms) && collectMask(op->operand(1), dims, terms);
      if (kind != BinaryOp::Lt) return false;
      std::optional<Affine> index = affineTile(op->operand(0)), limit = affineTile(op->operand(1));
      // (A bound of 0 or less masks every element: a loop that runs no iteration.)
      if (!index || !limit || !limit->uniform() || !limit->origin.isConstant() || limit->origin.constant <= 0)
        return false;
      std::optional<size_t> along;
      for (size_t d = 0; d < index->coefficients.size(); ++d) {
        if (index->coefficients[d] == 0) continue;
        if (index->coefficients[d] != 1 || along) return false;
        along = d;
      }
      if (!along) return false;
      size_t dim = dims[*along];
      DimBound bound{index->origin, limit->origin.constant};
      auto [existing, added] = terms.bounds.emplace(dim, bound);
      if (!added && !(existing->second.indexOrigin == bound.indexOrigin && existing->second.limit == bound.limit))
        return false;
      return true;
    }
    default: return false;
  }
}

}  // namespace

std::optional<BoxAccess> boxAccess(const Op& load) {
  if (load.kind() != OpKind::Load || load.operands().size() < 2 || load.operands().size() > 3) return std::nullopt;
  const Type& type = load.result()->type();
  size_t rank = type.shape.size();
  if (!type.isTile() || rank < 2) return std::nullopt;
  for (size_t d = 0; d + 2 < rank; ++d)
    if (type.shape[d] != 1) return std::nullopt;
  size_t rowDim = rank - 2, columnDim = rank - 1;
  std::optional<Affine> offsets = affineTile(load.operand(1));
  if (!offsets || offsets->coefficients[columnDim] != 1 || offsets->coefficients[rowDim] <= 0) return std::nullopt;
  BoxAccess box;
  box.rowStride = offsets->coefficients[rowDim];
  box.origin = offsets->origin;
  int64_t columns = type.shape[columnDim];
  MaskTerms mask;
  if (load.operands().size() > 2) {
    std::vector<size_t> dims(rank);
    for (size_t d = 0; d < rank; ++d) dims[d] = d;
    if (!collectMask(load.operand(2), dims, mask)) return std::nullopt;
    for (const auto& entry : mask.bounds)
      if (entry.first != rowDim && entry.first != columnDim) return std::nullopt;
  }
  box.predicates = mask.predicates;
  auto rowBound = mask.bounds.find(rowDim), columnBound = mask.bounds.find(columnDim);
  if (columnBound != mask.bounds.end()) {
    if (columnBound->second.limit > box.rowStride) return std::nullopt;
    box.columns = columnBound->second.limit;
    box.column = columnBound->second.indexOrigin;
    box.row = box.origin.plus(*box.column, -1).dividedExactly(box.rowStride);
    if (!box.row) return std::nullopt;
  } else {
    if (columns > box.rowStride) return std::nullopt;
    box.columns = box.rowStride;
  }
  if (rowBound != mask.bounds.end()) {
    box.rows = rowBound->second.limit;
    const LinearForm& row = rowBound->second.indexOrigin;
    // The offsets' rows must be the mask's: no batch offset the row bound would not see.
    if (box.row && !(*box.row == row)) return std::nullopt;
    box.row = row;
    if (!box.column) box.column = box.origin.plus(row, -box.rowStride);
  }
  return box;
}

}  // namespace hel::tir
