// canonicalize: constant folding and local simplifications.
//
// - Constants (scalars and splat tiles) fold through splat, broadcast,
//   expand_dims, reshape, permute, cast, unary and binary ops, computed with
//   support/ScalarOps.h in the op's dtype exactly as the CPU backend would
//   (an integer division by zero is left to fault at run time).
// - Shape ops that change nothing, and casts to the same dtype, disappear.
// - Algebraic identities that hold for every value of the dtype: x+0, x-0, x*1,
//   x*0, x//1, x%1, x&-1, x&0, x|0, x^0, x<<0, x>>0, max(x,x), x-x, x==x ...
//   on integers; for floats only those exact under IEEE rules (x + -0.0,
//   x - 0.0, x * 1.0, x / 1.0), since x + 0.0 turns -0.0 into 0.0 and x * 0.0
//   is NaN for infinities.
// - select on a constant condition, or between one value twice; select(c, x,
//   0) where x is a load whose mask includes c (the lanes c drops read 0
//   already: LANGUAGE.md's masks), such as the K edge of a dot's operands.
// - A constant operand of a commutative op moves to the right, so that equal
//   expressions look equal to cse.
#include <cmath>
#include <optional>

#include "lower/Fold.h"
#include "lower/IRBuilder.h"
#include "lower/OpDispatch.h"
#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

// ---- matching ----

const Attribute* constantValue(const Value* value) {
  const Op* op = constantOp(value);
  return op ? op->findAttribute("value") : nullptr;
}

// Whether `value` is a constant equal to `number` (a float zero must also have
// `number`'s sign).
bool isConstant(const Value* value, double number) {
  const Attribute* attribute = constantValue(value);
  if (!attribute) return false;
  if (const int64_t* integer = std::get_if<int64_t>(attribute)) return static_cast<double>(*integer) == number;
  double x = std::get<double>(*attribute);
  return x == number && std::signbit(x) == std::signbit(number);
}

// An i1 tile as the lower-rank value it is broadcast from: the root past
// broadcast and expand_dims ops, and the axes expand_dims inserted, outermost
// first. Two conditions with the same root, axes and type are equal.
struct Placed {
  const Value* root;
  std::vector<int64_t> axes;
  bool operator==(const Placed& other) const { return root == other.root && axes == other.axes; }
};

Placed placed(const Value* value) {
  Placed result{value, {}};
  while (const Op* op = result.root->definingOp()) {
    if (op->kind() == OpKind::ExpandDims) result.axes.insert(result.axes.begin(), op->intAttr("axis"));
    else if (op->kind() != OpKind::Broadcast) break;
    result.root = op->operand(0);
  }
  return result;
}

// Whether `mask` is true only where `condition` (of the same type) is: equal
// to it, or an and of which one side is.
bool implies(const Value* mask, const Value* condition) {
  if (mask->type() == condition->type() && placed(mask) == placed(condition)) return true;
  const Op* op = mask->definingOp();
  if (!op || op->kind() != OpKind::Binary) return false;
  BinaryOp kind = *opNamed<BinaryOp>(op->stringAttr("op"));
  if (kind != BinaryOp::LogicalAnd && kind != BinaryOp::BitwiseAnd) return false;
  return implies(op->operand(0), condition) || implies(op->operand(1), condition);
}

// Whether `value` is a masked load, without `other`, whose mask implies `condition`.
bool loadMaskedBy(const Value* value, const Value* condition) {
  const Op* load = value->definingOp();
  return load && load->kind() == OpKind::Load && load->operands().size() == 3 && implies(load->operand(2), condition);
}

bool isCommutative(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Mul:
    case BinaryOp::Maximum:
    case BinaryOp::Minimum:
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor:
    case BinaryOp::Eq:
    case BinaryOp::Ne:
    case BinaryOp::LogicalAnd:
    case BinaryOp::LogicalOr:
    case BinaryOp::LogicalXor: return true;
    default: return false;
  }
}

// What a binary op with operands x and c (c maybe constant) simplifies to, as
// "x", a constant or nothing.
struct Identity {
  enum Kind { None, Left, Constant } kind = None;
  int64_t constant = 0;
};

Identity integerIdentity(BinaryOp op, const Value* x, const Value* c, DType dtype) {
  bool boolean = dtype == DType::Bool;
  int64_t allOnes = boolean ? 1 : dtype == DType::UInt8 ? 255 : -1;
  if (x == c) {
    switch (op) {
      case BinaryOp::Maximum:
      case BinaryOp::Minimum:
      case BinaryOp::BitwiseAnd:
      case BinaryOp::BitwiseOr: return {Identity::Left};
      case BinaryOp::LogicalAnd:
      case BinaryOp::LogicalOr: return boolean ? Identity{Identity::Left} : Identity{};
      case BinaryOp::Sub:
      case BinaryOp::BitwiseXor:
      case BinaryOp::Ne:
      case BinaryOp::Lt:
      case BinaryOp::Gt:
      case BinaryOp::LogicalXor: return {Identity::Constant, 0};
      case BinaryOp::Eq:
      case BinaryOp::Le:
      case BinaryOp::Ge: return {Identity::Constant, 1};
      default: return {};
    }
  }
  bool zero = isConstant(c, 0), one = isConstant(c, 1);
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor:
    case BinaryOp::LShift:
    case BinaryOp::RShift: return zero ? Identity{Identity::Left} : Identity{};
    case BinaryOp::Mul: return one ? Identity{Identity::Left} : zero ? Identity{Identity::Constant, 0} : Identity{};
    case BinaryOp::FloorDiv: return one ? Identity{Identity::Left} : Identity{};
    case BinaryOp::Mod: return one ? Identity{Identity::Constant, 0} : Identity{};
    case BinaryOp::BitwiseAnd:
      return isConstant(c, static_cast<double>(allOnes)) ? Identity{Identity::Left}
             : zero                                      ? Identity{Identity::Constant, 0}
                                                         : Identity{};
    case BinaryOp::LogicalAnd:
      if (!boolean) return {};
      return one ? Identity{Identity::Left} : zero ? Identity{Identity::Constant, 0} : Identity{};
    case BinaryOp::LogicalOr:
      if (!boolean) return {};
      return zero ? Identity{Identity::Left} : one ? Identity{Identity::Constant, 1} : Identity{};
    default: return {};
  }
}

Identity floatIdentity(BinaryOp op, const Value* c) {
  switch (op) {
    case BinaryOp::Add: return isConstant(c, -0.0) ? Identity{Identity::Left} : Identity{};
    case BinaryOp::Sub: return isConstant(c, 0.0) ? Identity{Identity::Left} : Identity{};
    case BinaryOp::Mul:
    case BinaryOp::Div: return isConstant(c, 1.0) ? Identity{Identity::Left} : Identity{};
    default: return {};
  }
}

// ---- the pass ----

class Canonicalizer {
 public:
  void run(Block& body) {
    block(body);
    eraseOps(body, dead_);
  }

 private:
  void block(Block& block) {
    for (size_t i = 0; i < block.ops().size(); ++i) {
      Op& op = *block.ops()[i];
      replacements_.rewriteOperands(op);
      for (auto& region : op.regions()) this->block(region->body());
      size_t before = block.ops().size();
      IRBuilder builder(block, i);
      builder.setLocation(op.location);
      if (Value* replacement = simplify(op, builder)) {
        replacements_.add(op.result(), replacement);
        dead_.insert(&op);
      }
      i += block.ops().size() - before;  // past the constants built before `op`
    }
  }

  // The value `op` computes, when simpler; constants are built before it.
  Value* simplify(Op& op, IRBuilder& builder) {
    switch (op.kind()) {
      case OpKind::Splat:
      case OpKind::Broadcast:
      case OpKind::ExpandDims:
      case OpKind::Reshape:
      case OpKind::Permute: return reshaped(op, builder);
      case OpKind::Cast: {
        const Type& from = op.operand(0)->type();
        if (from == op.result()->type()) return op.operand(0);
        const Attribute* x = constantValue(op.operand(0));
        return x ? make(builder, op, foldCast(from.dtype, op.result()->type().dtype, *x)) : nullptr;
      }
      case OpKind::Unary: {
        const Attribute* x = constantValue(op.operand(0));
        std::optional<Attribute> folded;
        if (x) folded = foldUnary(*opNamed<UnaryOp>(op.stringAttr("op")), op.operand(0)->type().dtype, *x);
        return folded ? make(builder, op, *folded) : nullptr;
      }
      case OpKind::Binary: return binary(op, builder);
      case OpKind::Select: {
        if (op.operand(1) == op.operand(2)) return op.operand(1);
        if (isConstant(op.operand(2), 0) && loadMaskedBy(op.operand(1), op.operand(0))) return op.operand(1);
        const Attribute* condition = constantValue(op.operand(0));
        if (!condition) return nullptr;
        return std::get<int64_t>(*condition) ? op.operand(1) : op.operand(2);
      }
      default: return nullptr;
    }
  }

  // A shape op: the same splat constant in the new shape, or its operand when
  // the type does not change.
  Value* reshaped(Op& op, IRBuilder& builder) {
    if (op.kind() != OpKind::Splat && op.operand(0)->type() == op.result()->type()) return op.operand(0);
    const Attribute* x = constantValue(op.operand(0));
    return x ? make(builder, op, *x) : nullptr;
  }

  Value* binary(Op& op, IRBuilder& builder) {
    BinaryOp kind = *opNamed<BinaryOp>(op.stringAttr("op"));
    if (isCommutative(kind) && constantValue(op.operand(0)) && !constantValue(op.operand(1))) {
      Value* left = op.operand(0);
      op.setOperand(0, op.operand(1));
      op.setOperand(1, left);
    }
    Value *x = op.operand(0), *c = op.operand(1);
    DType dtype = x->type().dtype;
    const Attribute *a = constantValue(x), *b = constantValue(c);
    if (a && b) {
      std::optional<Attribute> folded = foldBinary(kind, dtype, *a, *b);
      return folded ? make(builder, op, *folded) : nullptr;
    }
    Identity identity = isFloating(dtype) ? floatIdentity(kind, c) : integerIdentity(kind, x, c, dtype);
    switch (identity.kind) {
      case Identity::Left: return x;
      case Identity::Constant: return make(builder, op, identity.constant);
      case Identity::None: return nullptr;
    }
    return nullptr;
  }

  // A constant replacing `op`'s result, under the same name.
  Value* make(IRBuilder& builder, const Op& op, const Attribute& value) {
    const Type& type = op.result()->type();
    const int64_t* integer = std::get_if<int64_t>(&value);
    Value* constant = integer ? builder.intConstant(type, *integer) : builder.constant(type, std::get<double>(value));
    constant->setNameHint(op.result()->nameHint());
    return constant;
  }

  ValueReplacements replacements_;
  std::unordered_set<const Op*> dead_;
};

}  // namespace

void canonicalize(Module& module) {
  for (auto& kernel : module.kernels) Canonicalizer().run(kernel->body);
}

}  // namespace hel::tir
