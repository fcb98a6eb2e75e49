#include "lower/IRBuilder.h"

#include <fmt/format.h>

#include <stdexcept>

#include "lower/IRPrinter.h"
#include "lower/Verifier.h"

namespace hel::tir {
namespace {

void require(bool condition, const char* what, const std::string& detail) {
  if (!condition) throw std::logic_error(fmt::format("IRBuilder: {}: {}", what, detail));
}

Values resultsOf(const Op& op) {
  Values results;
  for (size_t i = 0; i < op.numResults(); ++i) results.push_back(op.result(i));
  return results;
}

const Type& typeOf(Value* value, const char* what) {
  require(value != nullptr, what, "null operand");
  return value->type();
}

}  // namespace

Value* addParam(Kernel& kernel, Type type, std::string name) {
  require(!type.isTile(), "addParam", "parameters are scalars or pointers");
  Value* param = kernel.body.addArgument(std::move(type));
  param->setNameHint(std::move(name));
  return param;
}

IRBuilder::IRBuilder(Block& block) : block_(&block), position_(kAtEnd) {}
IRBuilder::IRBuilder(Block& block, size_t position) : block_(&block), position_(position) {}

void IRBuilder::setInsertionPoint(Block& block, size_t position) {
  block_ = &block;
  position_ = position;
}
void IRBuilder::setInsertionPointToEnd(Block& block) {
  block_ = &block;
  position_ = kAtEnd;
}

Op* IRBuilder::insert(std::unique_ptr<Op> op) {
  op->location = location_;
  std::string problem = verifyOp(*op);
  if (!problem.empty())
    throw std::logic_error(fmt::format("IRBuilder: invalid '{}' op: {}", opKindName(op->kind()), problem));
  if (position_ == kAtEnd) return block_->append(std::move(op));
  return block_->insert(position_++, std::move(op));
}

Op* IRBuilder::create(OpKind kind, Values operands, const std::vector<Type>& resultTypes,
                      std::vector<NamedAttribute> attributes) {
  for (Value* operand : operands) typeOf(operand, opKindName(kind));
  auto op = std::make_unique<Op>(kind, std::move(operands), resultTypes);
  for (NamedAttribute& attribute : attributes) op->setAttribute(attribute.name, std::move(attribute.value));
  return insert(std::move(op));
}

Value* IRBuilder::clone(const Op& op, Values operands) {
  std::vector<Type> types;
  for (size_t i = 0; i < op.numResults(); ++i) types.push_back(op.result(i)->type());
  return create(op.kind(), std::move(operands), types, op.attributes())->result();
}

// ---- constants and indices ----

Value* IRBuilder::constant(const Type& type, double value) {
  if (isFloating(type.dtype)) return create(OpKind::Constant, {}, {type}, {{"value", value}})->result();
  require(value >= -0x1p63 && value < 0x1p63 && static_cast<double>(static_cast<int64_t>(value)) == value, "constant",
          fmt::format("{} is not a value of {}", value, toString(type)));
  return intConstant(type, static_cast<int64_t>(value));
}

Value* IRBuilder::intConstant(const Type& type, int64_t value) {
  return create(OpKind::Constant, {}, {type}, {{"value", value}})->result();
}

Value* IRBuilder::programId(int64_t axis) {
  return create(OpKind::ProgramId, {}, {Type::scalar(DType::Int32)}, {{"axis", axis}})->result();
}

Value* IRBuilder::numPrograms(int64_t axis) {
  return create(OpKind::NumPrograms, {}, {Type::scalar(DType::Int32)}, {{"axis", axis}})->result();
}

Value* IRBuilder::arange(int64_t start, int64_t end) {
  require(end > start, "arange", fmt::format("end {} must exceed start {}", end, start));
  return create(OpKind::Arange, {}, {Type::tile(DType::Int32, {end - start})}, {{"start", start}, {"end", end}})
      ->result();
}

// ---- shapes ----

Value* IRBuilder::splat(Value* scalar, const Shape& shape) {
  return create(OpKind::Splat, {scalar}, {Type::tile(typeOf(scalar, "splat").dtype, shape)})->result();
}

Value* IRBuilder::broadcast(Value* tile, const Shape& shape) {
  return create(OpKind::Broadcast, {tile}, {Type::tile(typeOf(tile, "broadcast").dtype, shape)})->result();
}

Value* IRBuilder::expandDims(Value* tile, int64_t axis) {
  Type type = typeOf(tile, "expand_dims");
  require(type.isTile() && axis >= 0 && axis <= type.rank(), "expand_dims",
          fmt::format("axis {} of {}", axis, toString(type)));
  type.shape.insert(type.shape.begin() + axis, 1);
  return create(OpKind::ExpandDims, {tile}, {type}, {{"axis", axis}})->result();
}

Value* IRBuilder::reshape(Value* tile, const Shape& shape) {
  return create(OpKind::Reshape, {tile}, {Type::tile(typeOf(tile, "reshape").dtype, shape)})->result();
}

Value* IRBuilder::permute(Value* tile, const std::vector<int64_t>& order) {
  Type type = typeOf(tile, "permute");
  require(type.isTile() && order.size() == type.shape.size(), "permute",
          fmt::format("order of {} dims for {}", order.size(), toString(type)));
  Type result = type;
  for (size_t i = 0; i < order.size(); ++i) {
    require(order[i] >= 0 && order[i] < type.rank(), "permute", "order entry out of range");
    result.shape[i] = type.shape[static_cast<size_t>(order[i])];
  }
  return create(OpKind::Permute, {tile}, {result}, {{"order", order}})->result();
}

Value* IRBuilder::broadcastTo(Value* value, const Shape& shape) {
  const Type& type = typeOf(value, "broadcastTo");
  if (type.isScalar()) return splat(value, shape);
  require(type.isTile() && type.rank() <= static_cast<int64_t>(shape.size()), "broadcastTo",
          fmt::format("{} to rank {}", toString(type), shape.size()));
  if (type.rank() < static_cast<int64_t>(shape.size())) {
    Shape padded(shape.size() - type.shape.size(), 1);
    padded.insert(padded.end(), type.shape.begin(), type.shape.end());
    value = reshape(value, padded);
  }
  return value->type().shape == shape ? value : broadcast(value, shape);
}

// ---- elementwise ----

Value* IRBuilder::unary(UnaryOp op, Value* x) {
  const Type& type = typeOf(x, "unary");
  std::optional<OpDTypes> dtypes = unaryDTypes(op, type.dtype);
  Type result = type.withDType(dtypes ? dtypes->result : type.dtype);
  return create(OpKind::Unary, {x}, {result}, {{"op", std::string(opInfo(op).name)}})->result();
}

Value* IRBuilder::binary(BinaryOp op, Value* a, Value* b) {
  const Type& type = typeOf(a, "binary");
  std::optional<OpDTypes> dtypes = binaryDTypes(op, type.dtype);
  Type result = type.withDType(dtypes ? dtypes->result : type.dtype);
  return create(OpKind::Binary, {a, b}, {result}, {{"op", std::string(opInfo(op).name)}})->result();
}

Value* IRBuilder::cast(Value* x, DType dtype) {
  const Type& type = typeOf(x, "cast");
  if (type.dtype == dtype) return x;
  return create(OpKind::Cast, {x}, {type.withDType(dtype)})->result();
}

Value* IRBuilder::select(Value* condition, Value* a, Value* b) {
  return create(OpKind::Select, {condition, a, b}, {typeOf(a, "select")})->result();
}

// ---- memory ----

Value* IRBuilder::load(Value* ptr, Value* offsets, Value* mask, Value* other) {
  require(mask || !other, "load", "'other' needs a mask");
  Values operands{ptr, offsets};
  if (mask) operands.push_back(mask);
  if (other) operands.push_back(other);
  Type result = typeOf(offsets, "load").withDType(typeOf(ptr, "load").dtype);
  return create(OpKind::Load, std::move(operands), {result})->result();
}

void IRBuilder::store(Value* ptr, Value* offsets, Value* value, Value* mask) {
  Values operands{ptr, offsets, value};
  if (mask) operands.push_back(mask);
  create(OpKind::Store, std::move(operands), {});
}

Value* IRBuilder::atomic(const std::string& op, Value* ptr, Value* offsets, Value* value, Value* mask) {
  require(op != "cas", "atomic", "use atomicCas");
  Values operands{ptr, offsets, value};
  if (mask) operands.push_back(mask);
  return create(OpKind::Atomic, std::move(operands), {typeOf(value, "atomic")}, {{"op", op}})->result();
}

Value* IRBuilder::atomicCas(Value* ptr, Value* offsets, Value* compare, Value* value, Value* mask) {
  Values operands{ptr, offsets, compare, value};
  if (mask) operands.push_back(mask);
  return create(OpKind::Atomic, std::move(operands), {typeOf(value, "atomic")}, {{"op", std::string("cas")}})->result();
}

// ---- reductions and matmul ----

Value* IRBuilder::reduce(ReduceOp op, Value* tile, int64_t axis) {
  const Type& type = typeOf(tile, "reduce");
  require(type.isTile() && axis >= 0 && axis < type.rank(), "reduce",
          fmt::format("axis {} of {}", axis, toString(type)));
  DType dtype = opInfo(op).rule == ReduceRule::Index ? DType::Int64 : type.dtype;
  Type result = Type::scalar(dtype);
  if (type.rank() > 1) {
    result = type.withDType(dtype);
    result.shape.erase(result.shape.begin() + axis);
  }
  return create(OpKind::Reduce, {tile}, {result}, {{"op", std::string(opInfo(op).name)}, {"axis", axis}})->result();
}

Value* IRBuilder::scan(ScanOp op, Value* tile, int64_t axis) {
  return create(OpKind::Scan, {tile}, {typeOf(tile, "scan")}, {{"op", std::string(opInfo(op).name)}, {"axis", axis}})
      ->result();
}

Value* IRBuilder::dot(Value* a, Value* b, Value* acc, const std::string& precision) {
  return create(OpKind::Dot, {a, b, acc}, {typeOf(acc, "dot")}, {{"precision", precision}})->result();
}

// ---- control flow ----

void IRBuilder::yield(Block& block, const Values& values) { IRBuilder(block).create(OpKind::Yield, values, {}); }

Values IRBuilder::forLoop(Value* lo, Value* hi, Value* step, const Values& inits, const ForBody& body) {
  Values operands{lo, hi, step};
  operands.insert(operands.end(), inits.begin(), inits.end());
  std::vector<Type> types;
  for (Value* init : inits) types.push_back(typeOf(init, "for"));
  auto op = std::make_unique<Op>(OpKind::For, operands, types);
  Block& block = op->addRegion().body();
  Value* iv = block.addArgument(typeOf(lo, "for"));
  Values iters;
  for (const Type& type : types) iters.push_back(block.addArgument(type));
  IRBuilder inner(block);
  inner.setLocation(location_);
  yield(block, body(inner, iv, iters));
  return resultsOf(*insert(std::move(op)));
}

Values IRBuilder::ifThenElse(Value* condition, const Branch& thenBranch, const Branch& elseBranch) {
  // The result types are the yields' types, known once the branches are built:
  // build them in a scratch block, then move their ops into the if's regions.
  Block scratch[2];
  Values yielded[2];
  const Branch* branches[2] = {&thenBranch, &elseBranch};
  for (int r = 0; r < 2; ++r) {
    IRBuilder inner(scratch[r]);
    inner.setLocation(location_);
    yielded[r] = (*branches[r])(inner);
    yield(scratch[r], yielded[r]);
  }
  std::vector<Type> types;
  for (Value* value : yielded[0]) types.push_back(typeOf(value, "if"));
  auto op = std::make_unique<Op>(OpKind::If, Values{condition}, types);
  for (Block& built : scratch) {
    Block& body = op->addRegion().body();
    for (auto& nested : built.ops()) body.append(std::move(nested));
  }
  return resultsOf(*insert(std::move(op)));
}

Values IRBuilder::combineSplits(Value* group, Value* index, const Values& values, int64_t groups, int64_t splits) {
  Values operands{group, index};
  operands.insert(operands.end(), values.begin(), values.end());
  std::vector<Type> types{Type::scalar(DType::Bool)};
  for (Value* value : values) types.push_back(typeOf(value, "combine_splits"));
  return resultsOf(*create(OpKind::CombineSplits, operands, types, {{"groups", groups}, {"splits", splits}}));
}

void IRBuilder::print(const std::string& format, const Values& values) {
  create(OpKind::Print, values, {}, {{"format", format}});
}

void IRBuilder::ret() { create(OpKind::Return, {}, {}); }

}  // namespace hel::tir
