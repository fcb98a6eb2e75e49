#include "lower/Verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "lower/IRPrinter.h"
#include "support/Ops.h"

namespace hel::tir {
namespace {

bool isValue(const Type& type) { return !type.isPointer(); }
bool isIndex(const Type& type) { return isValue(type) && isIntegral(type.dtype, /*includeBool=*/false); }
bool isIntScalar(const Type& type) { return type.isScalar() && isIndex(type); }

// Whether an integer constant fits its dtype.
bool fits(int64_t value, DType dtype) {
  switch (dtype) {
    case DType::Bool: return value == 0 || value == 1;
    case DType::UInt8: return value >= 0 && value <= 255;
    case DType::Int8: return value >= -128 && value <= 127;
    case DType::Int16: return value >= -32768 && value <= 32767;
    case DType::Int32:
      return value >= std::numeric_limits<int32_t>::min() && value <= std::numeric_limits<int32_t>::max();
    default: return true;
  }
}

const char* const kAtomicOps[] = {"add", "max", "min", "and", "or", "xor", "xchg", "cas"};
const char* const kPrecisions[] = {"ieee", "tf32", "tf32x3"};

template <size_t N>
bool oneOf(const std::string& text, const char* const (&options)[N]) {
  return std::any_of(std::begin(options), std::end(options), [&](const char* o) { return text == o; });
}

// The checks of one op; each returns the first problem, or "".
class OpRules {
 public:
  explicit OpRules(const Op& op) : op_(op) {}

  std::string check() {
    // Pointers are kernel parameters that memory ops address, nothing else.
    bool memory = op_.kind() == OpKind::Load || op_.kind() == OpKind::Store || op_.kind() == OpKind::Atomic;
    for (size_t i = 0; i < op_.operands().size(); ++i)
      if (in(i).isPointer() && !(memory && i == 0))
        return fmt::format("operand {} is a pointer: only load, store and atomic take one, first", i);
    for (size_t i = 0; i < op_.numResults(); ++i)
      if (out(i).isPointer()) return "results cannot be pointers";
    switch (op_.kind()) {
      case OpKind::Constant: return constant();
      case OpKind::ProgramId:
      case OpKind::NumPrograms: return programIndex();
      case OpKind::Arange: return arange();
      case OpKind::Splat: return splat();
      case OpKind::Broadcast: return broadcast();
      case OpKind::ExpandDims: return expandDims();
      case OpKind::Reshape: return reshape();
      case OpKind::Permute: return permute();
      case OpKind::Unary: return unary();
      case OpKind::Binary: return binary();
      case OpKind::Cast: return cast();
      case OpKind::Select: return select();
      case OpKind::Load: return load();
      case OpKind::Store: return store();
      case OpKind::Atomic: return atomic();
      case OpKind::Reduce: return reduce();
      case OpKind::Scan: return scan();
      case OpKind::Dot: return dot();
      case OpKind::For: return forLoop();
      case OpKind::If: return ifOp();
      case OpKind::CombineSplits: return combineSplits();
      case OpKind::Yield: return counts(-1, 0, 0);
      case OpKind::Print: return print();
      case OpKind::Return: return counts(0, 0, 0);
    }
    return "unknown op kind";
  }

 private:
  const Type& in(size_t i) const { return op_.operand(i)->type(); }
  const Type& out(size_t i = 0) const { return op_.result(i)->type(); }

  // Operand count (-1: any), result count and region count.
  std::string counts(int operands, size_t results, size_t regions) const {
    if (operands >= 0 && op_.operands().size() != static_cast<size_t>(operands))
      return fmt::format("expects {} operand(s), has {}", operands, op_.operands().size());
    if (op_.numResults() != results) return fmt::format("expects {} result(s), has {}", results, op_.numResults());
    if (op_.regions().size() != regions)
      return fmt::format("expects {} region(s), has {}", regions, op_.regions().size());
    return "";
  }
  std::string operandRange(size_t min, size_t max, size_t results) const {
    size_t n = op_.operands().size();
    if (n < min || n > max) return fmt::format("expects {} to {} operands, has {}", min, max, n);
    return counts(-1, results, 0);
  }

  std::string intAttribute(const char* name, int64_t* value) const {
    const Attribute* attribute = op_.findAttribute(name);
    if (!attribute || !std::holds_alternative<int64_t>(*attribute))
      return fmt::format("needs an integer attribute '{}'", name);
    *value = std::get<int64_t>(*attribute);
    return "";
  }
  std::string stringAttribute(const char* name, std::string* value) const {
    const Attribute* attribute = op_.findAttribute(name);
    if (!attribute || !std::holds_alternative<std::string>(*attribute))
      return fmt::format("needs a string attribute '{}'", name);
    *value = std::get<std::string>(*attribute);
    return "";
  }
  std::string axisAttribute(int64_t rank, int64_t* axis) const {
    if (std::string e = intAttribute("axis", axis); !e.empty()) return e;
    if (*axis < 0 || *axis >= rank) return fmt::format("axis {} is out of range for rank {}", *axis, rank);
    return "";
  }
  static std::string mismatch(const char* what, const Type& got, const Type& want) {
    return fmt::format("{} has type {}, expected {}", what, toString(got), toString(want));
  }

  std::string constant() {
    if (std::string e = counts(0, 1, 0); !e.empty()) return e;
    if (!isValue(out())) return "result must be a scalar or a tile";
    const Attribute* value = op_.findAttribute("value");
    if (value && std::holds_alternative<double>(*value)) {
      if (!isFloating(out().dtype)) return "a float value needs a floating result type";
      return "";
    }
    if (!value || !std::holds_alternative<int64_t>(*value)) return "needs an integer or float attribute 'value'";
    if (isFloating(out().dtype)) return "an integer value needs an integer result type (write floats with a '.')";
    if (!fits(std::get<int64_t>(*value), out().dtype))
      return fmt::format("value {} does not fit {}", std::get<int64_t>(*value), irName(out().dtype));
    return "";
  }

  std::string programIndex() {
    if (std::string e = counts(0, 1, 0); !e.empty()) return e;
    int64_t axis;
    if (std::string e = axisAttribute(3, &axis); !e.empty()) return e;
    if (out() != Type::scalar(DType::Int32)) return mismatch("result", out(), Type::scalar(DType::Int32));
    return "";
  }

  std::string arange() {
    if (std::string e = counts(0, 1, 0); !e.empty()) return e;
    int64_t start, end;
    if (std::string e = intAttribute("start", &start); !e.empty()) return e;
    if (std::string e = intAttribute("end", &end); !e.empty()) return e;
    if (end <= start) return fmt::format("end {} must exceed start {}", end, start);
    Type want = Type::tile(DType::Int32, {end - start});
    return out() == want ? "" : mismatch("result", out(), want);
  }

  std::string splat() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isScalar()) return "operand must be a scalar";
    if (!out().isTile() || out().dtype != in(0).dtype) return "result must be a tile of the operand's dtype";
    return "";
  }

  std::string broadcast() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isTile() || !out().isTile() || in(0).dtype != out().dtype || in(0).rank() != out().rank())
      return fmt::format("cannot broadcast {} to {}: tiles of one rank and dtype", toString(in(0)), toString(out()));
    for (int64_t d = 0; d < out().rank(); ++d) {
      int64_t from = in(0).shape[d], to = out().shape[d];
      if (from != to && from != 1)
        return fmt::format("cannot broadcast {} to {}: dim {} is neither equal nor 1", toString(in(0)), toString(out()),
                           d);
    }
    return "";
  }

  std::string expandDims() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isTile()) return "operand must be a tile";
    int64_t axis;
    if (std::string e = axisAttribute(in(0).rank() + 1, &axis); !e.empty()) return e;
    Type want = in(0);
    want.shape.insert(want.shape.begin() + axis, 1);
    return out() == want ? "" : mismatch("result", out(), want);
  }

  std::string reshape() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isTile() || !out().isTile() || in(0).dtype != out().dtype || in(0).numElements() != out().numElements())
      return fmt::format("cannot reshape {} to {}", toString(in(0)), toString(out()));
    return "";
  }

  std::string permute() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isTile()) return "operand must be a tile";
    const Attribute* attribute = op_.findAttribute("order");
    if (!attribute || !std::holds_alternative<std::vector<int64_t>>(*attribute))
      return "needs an integer list attribute 'order'";
    std::vector<int64_t> order = std::get<std::vector<int64_t>>(*attribute);
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i)
      if (sorted[i] != static_cast<int64_t>(i) || sorted.size() != in(0).shape.size())
        return fmt::format("order [{}] is not a permutation of {} dims", fmt::join(order, ", "), in(0).rank());
    Type want = in(0);
    for (size_t i = 0; i < order.size(); ++i) want.shape[i] = in(0).shape[static_cast<size_t>(order[i])];
    return out() == want ? "" : mismatch("result", out(), want);
  }

  std::string unary() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    std::string name;
    if (std::string e = stringAttribute("op", &name); !e.empty()) return e;
    std::optional<UnaryOp> op = opNamed<UnaryOp>(name);
    if (!op) return fmt::format("unknown unary op '{}'", name);
    if (!isValue(in(0))) return "operand must be a scalar or a tile";
    std::optional<OpDTypes> dtypes = unaryDTypes(*op, in(0).dtype);
    if (!dtypes || dtypes->compute != in(0).dtype)
      return fmt::format("'{}' is not computed in {} (cast the operand first)", name, irName(in(0).dtype));
    Type want = in(0).withDType(dtypes->result);
    return out() == want ? "" : mismatch("result", out(), want);
  }

  std::string binary() {
    if (std::string e = counts(2, 1, 0); !e.empty()) return e;
    std::string name;
    if (std::string e = stringAttribute("op", &name); !e.empty()) return e;
    std::optional<BinaryOp> op = opNamed<BinaryOp>(name);
    if (!op) return fmt::format("unknown binary op '{}'", name);
    if (!isValue(in(0))) return "operands must be scalars or tiles";
    if (in(0) != in(1)) return fmt::format("operands differ: {} and {}", toString(in(0)), toString(in(1)));
    std::optional<OpDTypes> dtypes = binaryDTypes(*op, in(0).dtype);
    if (!dtypes || dtypes->compute != in(0).dtype)
      return fmt::format("'{}' is not computed in {} (cast the operands first)", name, irName(in(0).dtype));
    Type want = in(0).withDType(dtypes->result);
    return out() == want ? "" : mismatch("result", out(), want);
  }

  std::string cast() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!isValue(in(0)) || out() != in(0).withDType(out().dtype))
      return fmt::format("cannot cast {} to {}: the shape must stay", toString(in(0)), toString(out()));
    return "";
  }

  std::string select() {
    if (std::string e = counts(3, 1, 0); !e.empty()) return e;
    if (!isValue(in(1)) || in(1) != in(2))
      return fmt::format("the choices differ: {} and {}", toString(in(1)), toString(in(2)));
    if (in(0) != Type::scalar(DType::Bool) && in(0) != in(1).withDType(DType::Bool))
      return fmt::format("condition {} must be i1 of the choices' shape, or a scalar i1", toString(in(0)));
    return out() == in(1) ? "" : mismatch("result", out(), in(1));
  }

  // ptr and offsets of load/store/atomic, and the optional mask at `maskIndex`.
  std::string access(size_t maskIndex) const {
    if (!in(0).isPointer()) return fmt::format("operand 0 must be a pointer, not {}", toString(in(0)));
    if (!isIndex(in(1))) return fmt::format("offsets must be i32 or i64, not {}", toString(in(1)));
    if (op_.operands().size() > maskIndex && in(maskIndex) != in(1).withDType(DType::Bool))
      return mismatch("mask", in(maskIndex), in(1).withDType(DType::Bool));
    return "";
  }
  Type element() const { return in(1).withDType(in(0).dtype); }

  std::string load() {
    if (std::string e = operandRange(2, 4, 1); !e.empty()) return e;
    if (std::string e = access(2); !e.empty()) return e;
    if (op_.operands().size() > 3 && in(3) != element()) return mismatch("other", in(3), element());
    return out() == element() ? "" : mismatch("result", out(), element());
  }

  std::string store() {
    if (std::string e = operandRange(3, 4, 0); !e.empty()) return e;
    if (std::string e = access(3); !e.empty()) return e;
    return in(2) == element() ? "" : mismatch("value", in(2), element());
  }

  std::string atomic() {
    std::string name;
    if (std::string e = stringAttribute("op", &name); !e.empty()) return e;
    if (!oneOf(name, kAtomicOps)) return fmt::format("unknown atomic op '{}'", name);
    size_t value = name == "cas" ? 3 : 2;
    if (std::string e = operandRange(value + 1, value + 2, 1); !e.empty()) return e;
    if (std::string e = access(value + 1); !e.empty()) return e;
    for (size_t i = 2; i <= value; ++i)
      if (in(i) != element()) return mismatch("value", in(i), element());
    if (isFloating(element().dtype) && (name == "and" || name == "or" || name == "xor"))
      return fmt::format("atomic '{}' needs an integer type", name);
    return out() == element() ? "" : mismatch("result", out(), element());
  }

  Type withoutAxis(int64_t axis, DType dtype) const {
    if (in(0).rank() == 1) return Type::scalar(dtype);
    Type type = in(0).withDType(dtype);
    type.shape.erase(type.shape.begin() + axis);
    return type;
  }

  std::string reduce() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isTile()) return "operand must be a tile";
    std::string name;
    if (std::string e = stringAttribute("op", &name); !e.empty()) return e;
    std::optional<ReduceOp> op = opNamed<ReduceOp>(name);
    if (!op || *op == ReduceOp::Mean)
      return fmt::format("unknown reduction '{}' (mean is lowered to a sum and a division)", name);
    int64_t axis;
    if (std::string e = axisAttribute(in(0).rank(), &axis); !e.empty()) return e;
    DType dtype = opInfo(*op).rule == ReduceRule::Index ? DType::Int64 : in(0).dtype;
    Type want = withoutAxis(axis, dtype);
    return out() == want ? "" : mismatch("result", out(), want);
  }

  std::string scan() {
    if (std::string e = counts(1, 1, 0); !e.empty()) return e;
    if (!in(0).isTile()) return "operand must be a tile";
    std::string name;
    if (std::string e = stringAttribute("op", &name); !e.empty()) return e;
    if (!opNamed<ScanOp>(name)) return fmt::format("unknown scan '{}'", name);
    int64_t axis;
    if (std::string e = axisAttribute(in(0).rank(), &axis); !e.empty()) return e;
    return out() == in(0) ? "" : mismatch("result", out(), in(0));
  }

  std::string dot() {
    if (std::string e = counts(3, 1, 0); !e.empty()) return e;
    std::string precision;
    if (std::string e = stringAttribute("precision", &precision); !e.empty()) return e;
    if (!oneOf(precision, kPrecisions)) return fmt::format("unknown precision '{}'", precision);
    const Type &a = in(0), &b = in(1), &acc = in(2);
    std::string shapes = fmt::format("{} @ {} + {}", toString(a), toString(b), toString(acc));
    int64_t rank = a.rank();
    if (!a.isTile() || !b.isTile() || !acc.isTile() || (rank != 2 && rank != 3) || b.rank() != rank ||
        acc.rank() != rank)
      return fmt::format("dot needs 2-D or batched 3-D tiles of one rank: {}", shapes);
    size_t m = static_cast<size_t>(rank) - 2, n = m + 1;
    bool batchOk = rank == 2 || (a.shape[0] == b.shape[0] && a.shape[0] == acc.shape[0]);
    if (!batchOk || a.shape[n] != b.shape[m] || acc.shape[m] != a.shape[m] || acc.shape[n] != b.shape[n])
      return fmt::format("dot shapes do not match: {}", shapes);
    if (a.dtype != b.dtype || isFloating(a.dtype) != isFloating(acc.dtype) || a.dtype == DType::Bool ||
        acc.dtype == DType::Bool)
      return fmt::format("dot operand dtypes do not match: {}", shapes);
    return out() == acc ? "" : mismatch("result", out(), acc);
  }

  // The last op of region `r` must yield `types`.
  std::string yields(size_t r, const std::vector<Type>& types) const {
    const Block& body = op_.regions()[r]->body();
    if (body.ops().empty() || body.ops().back()->kind() != OpKind::Yield) return "region must end in 'yield'";
    const Op& yield = *body.ops().back();
    if (yield.operands().size() != types.size())
      return fmt::format("yields {} value(s), expected {}", yield.operands().size(), types.size());
    for (size_t i = 0; i < types.size(); ++i)
      if (yield.operand(i)->type() != types[i]) return mismatch("yielded value", yield.operand(i)->type(), types[i]);
    return "";
  }

  std::vector<Type> resultTypes() const {
    std::vector<Type> types;
    for (size_t i = 0; i < op_.numResults(); ++i) types.push_back(out(i));
    return types;
  }

  std::string forLoop() {
    size_t n = op_.operands().size();
    if (n < 3) return fmt::format("expects lo, hi, step and the initial values, has {} operand(s)", n);
    if (std::string e = counts(-1, n - 3, 1); !e.empty()) return e;
    if (!isIntScalar(in(0)) || in(1) != in(0) || in(2) != in(0))
      return fmt::format("lo, hi, step must be integer scalars of one type: {}, {}, {}", toString(in(0)),
                         toString(in(1)), toString(in(2)));
    const Block& body = op_.regions()[0]->body();
    if (body.arguments().size() != n - 2)
      return fmt::format("body has {} argument(s), expected the induction variable and {} iter value(s)",
                         body.arguments().size(), n - 3);
    if (body.argument(0)->type() != in(0)) return mismatch("induction variable", body.argument(0)->type(), in(0));
    for (size_t i = 3; i < n; ++i) {
      if (out(i - 3) != in(i)) return mismatch("result", out(i - 3), in(i));
      if (body.argument(i - 2)->type() != in(i)) return mismatch("iter argument", body.argument(i - 2)->type(), in(i));
    }
    return yields(0, resultTypes());
  }

  std::string combineSplits() {
    int64_t groups = 0, splits = 0;
    if (std::string e = intAttribute("groups", &groups); !e.empty()) return e;
    if (std::string e = intAttribute("splits", &splits); !e.empty()) return e;
    if (groups < 1 || splits < 1) return "groups and splits must be positive";
    if (op_.operands().size() < 3) return "expects a group, an index and at least one value";
    if (std::string e = counts(-1, op_.operands().size() - 1, 0); !e.empty()) return e;
    for (size_t i = 0; i < 2; ++i)
      if (in(i) != Type::scalar(DType::Int32)) return mismatch(i == 0 ? "group" : "index", in(i), Type::scalar(DType::Int32));
    if (out(0) != Type::scalar(DType::Bool)) return mismatch("result 0", out(0), Type::scalar(DType::Bool));
    for (size_t i = 2; i < op_.operands().size(); ++i) {
      if (in(i).dtype == DType::Bool) return "combine_splits adds numbers, not i1";
      if (out(i - 1) != in(i)) return mismatch("result", out(i - 1), in(i));
    }
    return "";
  }

  std::string ifOp() {
    if (std::string e = counts(1, op_.numResults(), 2); !e.empty()) return e;
    if (in(0) != Type::scalar(DType::Bool)) return mismatch("condition", in(0), Type::scalar(DType::Bool));
    for (size_t r = 0; r < 2; ++r) {
      if (!op_.regions()[r]->body().arguments().empty()) return "if regions take no arguments";
      if (std::string e = yields(r, resultTypes()); !e.empty()) return e;
    }
    return "";
  }

  std::string print() {
    if (std::string e = counts(-1, 0, 0); !e.empty()) return e;
    std::string format;
    if (std::string e = stringAttribute("format", &format); !e.empty()) return e;
    for (Value* operand : op_.operands())
      if (!isValue(operand->type())) return "prints scalars and tiles only";
    return "";
  }

  const Op& op_;
};

class KernelVerifier {
 public:
  explicit KernelVerifier(const Kernel& kernel) : kernel_(kernel) {}

  std::string run(SourceRange* where) {
    if (std::string e = launch(); !e.empty()) return fmt::format("kernel @{}: {}", kernel_.name, e);
    for (const auto& param : kernel_.body.arguments()) {
      if (param->type().isTile()) return fmt::format("kernel @{}: parameters are scalars or pointers", kernel_.name);
      visible_.insert(param.get());
    }
    if (kernel_.body.ops().empty() || kernel_.body.ops().back()->kind() != OpKind::Return)
      return fmt::format("kernel @{}: the body must end in 'return'", kernel_.name);
    if (!block(kernel_.body)) {
      if (where) *where = failing_ ? failing_->location : kernel_.location;
      return message_;
    }
    return "";
  }

 private:
  std::string launch() const {
    const LaunchConfig& launch = kernel_.launch;
    for (const GridAxis& axis : launch.grid) {
      if (axis.blockSize < 1) return fmt::format("grid block size {} must be positive", axis.blockSize);
      if (axis.extentParam >= static_cast<int>(kernel_.numParams()) ||
          (axis.extentParam >= 0 && !isIntScalar(kernel_.param(static_cast<size_t>(axis.extentParam))->type())))
        return "a grid extent must be a constant or an integer scalar parameter";
      if (axis.extentParam < 0 && axis.extent < 0) return fmt::format("grid extent {} is negative", axis.extent);
    }
    if (launch.grid.size() > 3) return "the grid has at most 3 axes";
    if (launch.numWarps < 1 || launch.numStages < 1) return "num_warps and num_stages must be positive";
    if (!isPidType(launch.pidType)) return fmt::format("unknown pid_type '{}'", launch.pidType);
    const char* const indexings[] = {"", "pointer", "block_ptr", "tensor_descriptor"};
    if (!oneOf(launch.indexing, indexings)) return fmt::format("unknown indexing '{}'", launch.indexing);
    return "";
  }

  bool fail(const Op& op, const std::string& problem) {
    failing_ = &op;
    message_ = fmt::format("kernel @{}: '{}': {}", kernel_.name, printOp(kernel_, op), problem);
    return false;
  }

  // Checks the ops of a block in order; values defined inside it stop being
  // visible when it ends.
  bool block(const Block& block) {
    size_t mark = scope_.size();
    for (const auto& argument : block.arguments()) define(argument.get());
    bool ok = ops(block);
    for (size_t i = mark; i < scope_.size(); ++i) visible_.erase(scope_[i]);
    scope_.resize(mark);
    return ok;
  }

  bool ops(const Block& block) {
    for (size_t i = 0; i < block.ops().size(); ++i) {
      const Op& op = *block.ops()[i];
      if (op.parentBlock() != &block) return fail(op, "its parent block is wrong");
      bool terminator = op.kind() == OpKind::Yield || op.kind() == OpKind::Return;
      bool last = i + 1 == block.ops().size();
      if (terminator != last) return fail(op, last ? "a block must end in 'yield' or 'return'" : "must end its block");
      if (op.kind() == OpKind::Return && block.parentOp()) return fail(op, "'return' ends the kernel body only");
      if (op.kind() == OpKind::Yield && !block.parentOp()) return fail(op, "'yield' ends for/if regions only");
      for (const Value* operand : op.operands())
        if (!visible_.count(operand)) return fail(op, "uses a value that is not defined before it");
      if (std::string e = verifyOp(op); !e.empty()) return fail(op, e);
      if ((op.kind() == OpKind::ProgramId || op.kind() == OpKind::NumPrograms) &&
          op.intAttr("axis") >= static_cast<int64_t>(kernel_.launch.grid.size()))
        return fail(op, fmt::format("the grid has {} axis/axes", kernel_.launch.grid.size()));
      for (const auto& region : op.regions())
        if (!this->block(region->body())) return false;
      for (size_t r = 0; r < op.numResults(); ++r) {
        if (op.result(r)->definingOp() != &op) return fail(op, "a result does not point back to it");
        define(op.result(r));
      }
    }
    return true;
  }

  void define(const Value* value) {
    visible_.insert(value);
    scope_.push_back(value);
  }

  const Kernel& kernel_;
  std::unordered_set<const Value*> visible_;
  std::vector<const Value*> scope_;
  const Op* failing_ = nullptr;
  std::string message_;
};

}  // namespace

std::string verifyOp(const Op& op) { return OpRules(op).check(); }

std::string verify(const Kernel& kernel, SourceRange* where) { return KernelVerifier(kernel).run(where); }

std::string verify(const Module& module) {
  for (const auto& kernel : module.kernels)
    if (std::string e = verify(*kernel); !e.empty()) return e;
  return "";
}

}  // namespace hel::tir
