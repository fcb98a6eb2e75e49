// Builds tile IR at an insertion point, one typed helper per op kind. Each
// helper computes the result type by the op's rules (IR.h's op table) and
// checks the new op with the verifier's rules: misuse (a tile where a scalar
// belongs, mismatched shapes, ...) throws std::logic_error naming the problem.
//
//   Kernel kernel{"add"};
//   Value* x = addParam(kernel, Type::pointer(DType::Float32), "x");
//   IRBuilder b(kernel.body);
//   Value* offsets = b.binary(BinaryOp::Add, b.splat(base, {32}), b.arange(0, 32));
//   Value* sum = b.forLoop(lo, hi, step, {zero}, [&](IRBuilder& body, Value* iv, const Values& acc) {
//     return Values{body.binary(BinaryOp::Add, acc[0], ...)};
//   })[0];
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lower/IR.h"
#include "support/Ops.h"

namespace hel::tir {

using Values = std::vector<Value*>;
using Shape = std::vector<int64_t>;

// Adds a kernel parameter (a scalar or a pointer) named `name`.
Value* addParam(Kernel& kernel, Type type, std::string name);

class IRBuilder {
 public:
  // Inserts at the end of `block`, or before its op at `position`.
  explicit IRBuilder(Block& block);
  IRBuilder(Block& block, size_t position);

  void setInsertionPoint(Block& block, size_t position);
  void setInsertionPointToEnd(Block& block);
  Block& block() const { return *block_; }
  // Stamped on every op built from now on (and by nested region builders).
  void setLocation(SourceRange location) { location_ = location; }
  SourceRange location() const { return location_; }

  // ---- constants and indices ----
  // A scalar or a tile (a splat) of `type`; integral types need an integral value.
  Value* constant(const Type& type, double value);
  // The same for an integral type, exactly (int64 values beyond 2^53 too).
  Value* intConstant(const Type& type, int64_t value);
  // An integer scalar for index math: i32 unless told otherwise.
  Value* index(int64_t value, DType dtype = DType::Int32) { return intConstant(Type::scalar(dtype), value); }
  Value* programId(int64_t axis);
  Value* numPrograms(int64_t axis);
  Value* arange(int64_t start, int64_t end);

  // ---- shapes ----
  Value* splat(Value* scalar, const Shape& shape);
  Value* broadcast(Value* tile, const Shape& shape);
  Value* expandDims(Value* tile, int64_t axis);
  Value* reshape(Value* tile, const Shape& shape);
  Value* permute(Value* tile, const std::vector<int64_t>& order);
  // PyTorch-style: a scalar is splat; a tile of lower rank gains leading size-1
  // dims; size-1 dims are broadcast. Returns `value` when it already fits.
  Value* broadcastTo(Value* value, const Shape& shape);

  // ---- elementwise ----
  Value* unary(UnaryOp op, Value* x);
  Value* binary(BinaryOp op, Value* a, Value* b);
  // Returns `x` itself when it already has `dtype`.
  Value* cast(Value* x, DType dtype);
  Value* select(Value* condition, Value* a, Value* b);

  // ---- memory ----
  // `mask` (i1 of the offsets' shape) and `other` (the result type) are optional.
  Value* load(Value* ptr, Value* offsets, Value* mask = nullptr, Value* other = nullptr);
  void store(Value* ptr, Value* offsets, Value* value, Value* mask = nullptr);
  // op: add max min and or xor xchg; returns the old values.
  Value* atomic(const std::string& op, Value* ptr, Value* offsets, Value* value, Value* mask = nullptr);
  Value* atomicCas(Value* ptr, Value* offsets, Value* compare, Value* value, Value* mask = nullptr);

  // ---- reductions and matmul ----
  Value* reduce(ReduceOp op, Value* tile, int64_t axis);
  Value* scan(ScanOp op, Value* tile, int64_t axis);
  Value* dot(Value* a, Value* b, Value* acc, const std::string& precision = "ieee");

  // ---- control flow ----
  // `body` builds the loop body at its end and returns the values to yield
  // (of the inits' types); the loop's results are the final iter values.
  using ForBody = std::function<Values(IRBuilder& body, Value* iv, const Values& iters)>;
  Values forLoop(Value* lo, Value* hi, Value* step, const Values& inits, const ForBody& body);
  // Each branch returns the values it yields; both must yield the same types.
  using Branch = std::function<Values(IRBuilder& branch)>;
  Values ifThenElse(Value* condition, const Branch& thenBranch, const Branch& elseBranch);

  // combine_splits: the i1 "came last", then the sums of `values`.
  Values combineSplits(Value* group, Value* index, const Values& values, int64_t groups, int64_t splits);

  void print(const std::string& format, const Values& values);
  void ret();

  // A copy of `op` (which has no regions) on other operands of the same types.
  Value* clone(const Op& op, Values operands);

 private:
  Op* create(OpKind kind, Values operands, const std::vector<Type>& resultTypes,
             std::vector<NamedAttribute> attributes = {});
  // Checks `op` and inserts it at the insertion point.
  Op* insert(std::unique_ptr<Op> op);
  void yield(Block& block, const Values& values);

  Block* block_;
  size_t position_;  // kAtEnd, or an index into block_->ops()
  SourceRange location_;
  static constexpr size_t kAtEnd = static_cast<size_t>(-1);
};

}  // namespace hel::tir
