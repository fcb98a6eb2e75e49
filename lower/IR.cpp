#include "lower/IR.h"

#include <algorithm>

#include <fmt/format.h>

#include <stdexcept>

namespace hel::tir {

int64_t Type::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {
struct DTypeSpelling {
  DType dtype;
  const char* name;
};
constexpr DTypeSpelling kDTypeSpellings[] = {
    {DType::Bool, "i1"},     {DType::UInt8, "u8"},     {DType::Int8, "i8"},
    {DType::Int16, "i16"},   {DType::Int32, "i32"},    {DType::Int64, "i64"},
    {DType::Float16, "f16"}, {DType::BFloat16, "bf16"}, {DType::Float32, "f32"},
    {DType::Float64, "f64"},
};
}  // namespace

const char* irName(DType dtype) {
  for (const DTypeSpelling& spelling : kDTypeSpellings)
    if (spelling.dtype == dtype) return spelling.name;
  return "?";
}

bool parseIRDType(std::string_view text, DType* dtype) {
  for (const DTypeSpelling& spelling : kDTypeSpellings) {
    if (text == spelling.name) {
      *dtype = spelling.dtype;
      return true;
    }
  }
  return false;
}

std::string toString(const Type& type) {
  switch (type.kind) {
    case Type::Kind::Scalar: return irName(type.dtype);
    case Type::Kind::Pointer:
      if (type.alignment) return fmt::format("ptr<{}, align {}>", irName(type.dtype), type.alignment);
      return fmt::format("ptr<{}>", irName(type.dtype));
    case Type::Kind::Tile: return fmt::format("<{}x{}>", fmt::join(type.shape, "x"), irName(type.dtype));
  }
  return "?";
}

const char* opKindName(OpKind kind) {
  switch (kind) {
#define HEL_TIR_OP_NAME(name, text) \
  case OpKind::name: return text;
    HEL_TIR_OPS(HEL_TIR_OP_NAME)
#undef HEL_TIR_OP_NAME
  }
  return "?";
}

Op::Op(OpKind kind, std::vector<Value*> operands, const std::vector<Type>& resultTypes)
    : kind_(kind), operands_(std::move(operands)) {
  for (unsigned i = 0; i < resultTypes.size(); ++i)
    results_.push_back(std::make_unique<Value>(resultTypes[i], this, nullptr, i));
}

Value* Op::addResult(Type type) {
  results_.push_back(std::make_unique<Value>(std::move(type), this, nullptr, static_cast<unsigned>(results_.size())));
  return results_.back().get();
}

void Op::setAttribute(const std::string& name, Attribute value) {
  for (NamedAttribute& attribute : attributes_) {
    if (attribute.name == name) {
      attribute.value = std::move(value);
      return;
    }
  }
  attributes_.push_back({name, std::move(value)});
}

const Attribute* Op::findAttribute(const std::string& name) const {
  for (const NamedAttribute& attribute : attributes_)
    if (attribute.name == name) return &attribute.value;
  return nullptr;
}

namespace {
template <typename T>
const T& attributeAs(const Op& op, const std::string& name) {
  const Attribute* attribute = op.findAttribute(name);
  if (!attribute || !std::holds_alternative<T>(*attribute))
    throw std::logic_error(fmt::format("tile IR: '{}' op has no attribute '{}' of the expected kind",
                                       opKindName(op.kind()), name));
  return std::get<T>(*attribute);
}
}  // namespace

int64_t Op::intAttr(const std::string& name) const { return attributeAs<int64_t>(*this, name); }
double Op::floatAttr(const std::string& name) const { return attributeAs<double>(*this, name); }
const std::string& Op::stringAttr(const std::string& name) const { return attributeAs<std::string>(*this, name); }
const std::vector<int64_t>& Op::intsAttr(const std::string& name) const {
  return attributeAs<std::vector<int64_t>>(*this, name);
}

Region& Op::addRegion() {
  regions_.push_back(std::make_unique<Region>(this));
  return *regions_.back();
}

Value* Block::addArgument(Type type) {
  arguments_.push_back(std::make_unique<Value>(std::move(type), nullptr, this,
                                               static_cast<unsigned>(arguments_.size())));
  return arguments_.back().get();
}

Block* Value::parentBlock() const { return ownerBlock_ ? ownerBlock_ : definingOp_->parentBlock(); }

Op* Block::parentOp() const { return parent_ ? parent_->parentOp() : nullptr; }

bool Block::isInside(const Block& block) const {
  for (const Block* b = this; b; b = b->parentOp() ? b->parentOp()->parentBlock() : nullptr)
    if (b == &block) return true;
  return false;
}

Op* Block::append(std::unique_ptr<Op> op) { return insert(ops_.size(), std::move(op)); }

Op* Block::insert(size_t position, std::unique_ptr<Op> op) {
  op->setParentBlock(this);
  auto it = ops_.insert(ops_.begin() + static_cast<std::ptrdiff_t>(position), std::move(op));
  return it->get();
}

const std::vector<std::string>& pidTypes() {
  static const std::vector<std::string> types = {"flat", "xyz", "persistent_blocked", "persistent_interleaved",
                                                 "split_tail"};
  return types;
}

bool isPidType(const std::string& name) {
  return std::find(pidTypes().begin(), pidTypes().end(), name) != pidTypes().end();
}

bool hasSideEffects(const Op& op) {
  switch (op.kind()) {
    case OpKind::Store:
    case OpKind::Atomic:
    case OpKind::CombineSplits:
    case OpKind::Print: return true;
    case OpKind::For:
    case OpKind::If:
      for (const auto& region : op.regions())
        for (const auto& nested : region->body().ops())
          if (hasSideEffects(*nested)) return true;
      return false;
    default: return false;
  }
}

bool isPure(const Op& op) {
  switch (op.kind()) {
    case OpKind::Load:
    case OpKind::Yield:
    case OpKind::Return: return false;
    case OpKind::For:
    case OpKind::If:
      for (const auto& region : op.regions())
        for (const auto& nested : region->body().ops())
          if (nested->kind() != OpKind::Yield && !isPure(*nested)) return false;
      return true;
    default: return !hasSideEffects(op);
  }
}

std::unordered_set<const Value*> writtenPointers(const Kernel& kernel) {
  std::unordered_set<const Value*> written;
  walk(kernel.body, [&](const Op& op) {
    if (op.kind() == OpKind::Store || op.kind() == OpKind::Atomic) written.insert(op.operand(0));
  });
  return written;
}

int64_t largestTile(const Kernel& kernel) {
  int64_t largest = 1;
  walk(kernel.body, [&](const Op& op) {
    for (size_t i = 0; i < op.numResults(); ++i)
      if (op.result(i)->type().isTile()) largest = std::max(largest, op.result(i)->type().numElements());
  });
  return largest;
}

std::vector<int64_t> lastTwoDimsSwapped(size_t rank) {
  std::vector<int64_t> order(rank);
  for (size_t dim = 0; dim < rank; ++dim) order[dim] = static_cast<int64_t>(dim);
  std::swap(order[rank - 1], order[rank - 2]);
  return order;
}

std::string f32DotPrecision(const Op& dot) {
  bool f32 = dot.kind() == OpKind::Dot && dot.operand(0)->type().dtype == DType::Float32 &&
             dot.operand(1)->type().dtype == DType::Float32;
  return f32 ? dot.stringAttr("precision") : "";
}

bool readsInputsAsTf32(const Op& dot) { return f32DotPrecision(dot) == "tf32"; }

}  // namespace hel::tir
