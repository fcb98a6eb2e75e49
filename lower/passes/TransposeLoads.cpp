// transpose-loads: a tile load whose offsets go up by one along the
// second-to-last dim and by some other constant along the last (a load
// through a transposed view, as attention's k_view[tile_b, :, tile_n] of
// k.transpose(1, 2)) becomes a load of the transposed tile, whose last dim is
// the contiguous one, and a permute back. The load then vectorizes along its
// rows, and the GPU backend copies those rows to shared memory as they lie,
// for a dot to read as a K-major operand.
//
// The transposed offsets, mask and `other` are rebuilt from their
// definitions with the last two dims swapped (index math is splats, aranges,
// expand_dims, broadcasts and elementwise ops), so that axis-info sees the
// contiguous last dim; a value that cannot be rebuilt is permuted instead.
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "lower/IRBuilder.h"
#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

// How much an integer tile goes up per step along each dim, where that is
// the same everywhere (an affine function of the indices); nullopt otherwise.
std::optional<std::vector<int64_t>> stridesOf(const Value* value) {
  const Type& type = value->type();
  if (!type.isTile()) return std::vector<int64_t>{};
  size_t rank = type.shape.size();
  const Op* op = value->definingOp();
  if (!op) return std::nullopt;
  switch (op->kind()) {
    case OpKind::Constant:
    case OpKind::Splat: return std::vector<int64_t>(rank, 0);
    case OpKind::Arange: return std::vector<int64_t>{1};
    case OpKind::ExpandDims: {
      std::optional<std::vector<int64_t>> inner = stridesOf(op->operand(0));
      if (!inner) return std::nullopt;
      inner->insert(inner->begin() + op->intAttr("axis"), 0);
      return inner;
    }
    case OpKind::Broadcast: {
      std::optional<std::vector<int64_t>> inner = stridesOf(op->operand(0));
      if (!inner || inner->size() != rank) return std::nullopt;
      for (size_t dim = 0; dim < rank; ++dim)
        if (op->operand(0)->type().shape[dim] == 1) (*inner)[dim] = 0;
      return inner;
    }
    case OpKind::Binary: {
      BinaryOp kind = *opNamed<BinaryOp>(op->stringAttr("op"));
      std::optional<std::vector<int64_t>> a = stridesOf(op->operand(0)), b = stridesOf(op->operand(1));
      if (!a || !b || a->size() != rank || b->size() != rank) return std::nullopt;
      if (kind == BinaryOp::Add || kind == BinaryOp::Sub) {
        for (size_t dim = 0; dim < rank; ++dim) (*a)[dim] += kind == BinaryOp::Add ? (*b)[dim] : -(*b)[dim];
        return a;
      }
      if (kind != BinaryOp::Mul) return std::nullopt;
      // A product is affine where one side is a constant.
      for (int side = 0; side < 2; ++side) {
        const Op* constant = constantOp(op->operand(side));
        const int64_t* factor = constant ? std::get_if<int64_t>(constant->findAttribute("value")) : nullptr;
        if (!factor) continue;
        std::vector<int64_t> scaled = side == 0 ? *b : *a;
        for (int64_t& stride : scaled) stride *= *factor;
        return scaled;
      }
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

// Whether `load` reads through a transposed view: its offsets go up by one
// along the second-to-last dim, by another nonzero amount along the last.
bool readsTransposed(const Op& load) {
  const Type& type = load.result()->type();
  if (!type.isTile() || type.shape.size() < 2) return false;
  size_t rank = type.shape.size();
  if (type.shape[rank - 1] < 2 || type.shape[rank - 2] < 2) return false;
  std::optional<std::vector<int64_t>> strides = stridesOf(load.operand(1));
  return strides && (*strides)[rank - 2] == 1 && (*strides)[rank - 1] != 0 && (*strides)[rank - 1] != 1;
}

// Rebuilds values with their last two dims swapped, at the builder's insertion point.
class Transposer {
 public:
  explicit Transposer(IRBuilder& builder) : b_(builder) {}

  Value* swapped(Value* value) {
    auto known = done_.find(value);
    if (known != done_.end()) return known->second;
    Value* result = rebuilt(value);
    if (!result) result = b_.permute(value, lastTwoDimsSwapped(value->type().shape.size()));
    return done_[value] = result;
  }

 private:
  Value* rebuilt(Value* value) {
    Op* op = value->definingOp();
    if (!op) return nullptr;
    Shape shape = value->type().shape;
    size_t rank = shape.size();
    std::swap(shape[rank - 1], shape[rank - 2]);
    switch (op->kind()) {
      case OpKind::Splat: return b_.splat(op->operand(0), shape);
      case OpKind::Broadcast:
        if (op->operand(0)->type().shape.size() != rank) return nullptr;
        return b_.broadcast(swapped(op->operand(0)), shape);
      case OpKind::ExpandDims: {
        // A new last dim becomes the second-to-last and the other way round;
        // a dim inserted further out leaves the last two to the operand.
        int64_t axis = op->intAttr("axis"), last = static_cast<int64_t>(rank) - 1;
        if (axis == last) return b_.expandDims(op->operand(0), last - 1);
        if (axis == last - 1) return b_.expandDims(op->operand(0), last);
        if (op->operand(0)->type().shape.size() < 2) return nullptr;
        return b_.expandDims(swapped(op->operand(0)), axis);
      }
      case OpKind::Binary:
        return b_.binary(*opNamed<BinaryOp>(op->stringAttr("op")), swapped(op->operand(0)), swapped(op->operand(1)));
      case OpKind::Unary: return b_.unary(*opNamed<UnaryOp>(op->stringAttr("op")), swapped(op->operand(0)));
      case OpKind::Cast: return b_.cast(swapped(op->operand(0)), value->type().dtype);
      default: return nullptr;
    }
  }

  IRBuilder& b_;
  std::unordered_map<Value*, Value*> done_;
};

void transposeLoads(Block& block, ValueReplacements& replacements, std::unordered_set<const Op*>& dead) {
  for (size_t i = 0; i < block.ops().size(); ++i) {
    Op& op = *block.ops()[i];
    for (auto& region : op.regions()) transposeLoads(region->body(), replacements, dead);
    if (op.kind() != OpKind::Load || !readsTransposed(op)) continue;
    IRBuilder builder(block, i);
    builder.setLocation(op.location);
    Transposer transposer(builder);
    Value* mask = op.operands().size() > 2 ? transposer.swapped(op.operand(2)) : nullptr;
    Value* other = op.operands().size() > 3 ? transposer.swapped(op.operand(3)) : nullptr;
    Value* rows = builder.load(op.operand(0), transposer.swapped(op.operand(1)), mask, other);
    replacements.add(op.result(), builder.permute(rows, lastTwoDimsSwapped(op.result()->type().shape.size())));
    dead.insert(&op);
    // Past the new ops, back at the load.
    while (block.ops()[i].get() != &op) ++i;
  }
}

}  // namespace

void transposeTransposedLoads(Module& module) {
  for (auto& kernel : module.kernels) {
    ValueReplacements replacements;
    std::unordered_set<const Op*> dead;
    transposeLoads(kernel->body, replacements, dead);
    replacements.rewriteAll(kernel->body);
    eraseOps(kernel->body, dead);
  }
}

}  // namespace hel::tir
