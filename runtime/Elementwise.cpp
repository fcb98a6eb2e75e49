// Elementwise ops: unary, binary (and in place), where, clamp.
#include <algorithm>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/TensorOps.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

template <UnaryOp Op>
void runUnary(const Tensor& out, const Tensor& in) {
  visitDType(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (scalar::kUnaryDefined<Op, T>) {
      using C = scalar::OpMath<T>;
      using R = std::conditional_t<std::is_same_v<decltype(scalar::unary<Op>(C{})), bool>, bool, T>;
      detail::mapLoop<R, T>(out, {&in}, [](T x) { return scalar::convert<R>(scalar::unary<Op>(static_cast<C>(x))); });
    }
  });
}

void dispatchUnary(UnaryOp op, const Tensor& out, const Tensor& in) {
  switch (op) {
#define HEL_UNARY_OP(Enum, torch_name, python, Rule) \
  case UnaryOp::Enum: return runUnary<UnaryOp::Enum>(out, in);
#include "support/Ops.def"
  }
}

// Whether every element of t is the same one (an operand expanded from one element).
bool isOneElement(const Tensor& t) {
  return t.numel() > 0 && std::all_of(t.strides().begin(), t.strides().end(), [](int64_t s) { return s == 0; });
}

// a and b have out's shape and the op's compute dtype.
template <BinaryOp Op>
void runBinary(const Tensor& out, const Tensor& a, const Tensor& b) {
  visitDType(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (scalar::kBinaryDefined<Op, T>) {
      using C = scalar::OpMath<T>;
      using R = std::conditional_t<std::is_same_v<decltype(scalar::binary<Op>(C{}, C{})), bool>, bool, T>;
      auto f = [](C x, C y) { return scalar::convert<R>(scalar::binary<Op>(x, y)); };
      // An operand broadcast from one element (x + 10.) is read once, which keeps the
      // loop over the other one contiguous.
      if (isOneElement(b)) {
        C y = static_cast<C>(*b.data<T>());
        detail::mapLoop<R, T>(out, {&a}, [=](T x) { return f(static_cast<C>(x), y); });
      } else if (isOneElement(a)) {
        C x = static_cast<C>(*a.data<T>());
        detail::mapLoop<R, T>(out, {&b}, [=](T y) { return f(x, static_cast<C>(y)); });
      } else {
        detail::mapLoop<R, T, T>(out, {&a, &b}, [=](T x, T y) { return f(static_cast<C>(x), static_cast<C>(y)); });
      }
    }
  });
}

void dispatchBinary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
#define HEL_BINARY_OP(Enum, torch_name, python, Rule) \
  case BinaryOp::Enum: return runBinary<BinaryOp::Enum>(out, a, b);
#include "support/Ops.def"
  }
}

// The tensors among some operands (for device checks).
std::vector<const Tensor*> tensorsOf(std::initializer_list<const Operand*> operands) {
  std::vector<const Tensor*> tensors;
  for (const Operand* operand : operands) {
    if (operand->isTensor()) tensors.push_back(&operand->tensor());
  }
  return tensors;
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  std::optional<OpDTypes> dtypes = unaryDTypes(op, x.dtype());
  if (!dtypes) detail::failUnsupportedDType(opInfo(op).name, x.dtype());
  Tensor out = Tensor::empty(x.shape(), dtypes->result, x.device());
  if (!out.isMeta()) dispatchUnary(op, out, x.to(dtypes->compute));
  return out;
}

Tensor binary(BinaryOp op, const Operand& a, const Operand& b) {
  std::vector<const Tensor*> tensors = tensorsOf({&a, &b});
  check(!tensors.empty(), "{}: at least one operand must be a tensor", opInfo(op).name);
  Device device = detail::commonDevice(tensors);
  DType common = detail::resultTypeOf({&a, &b});
  std::optional<OpDTypes> dtypes = binaryDTypes(op, common);
  if (!dtypes) detail::failUnsupportedDType(opInfo(op).name, common);
  if (op == BinaryOp::Pow && isIntegral(common, /*includeBool=*/false) && !b.isTensor()) {
    check(b.scalar().toInt() >= 0, "Integers to negative integer powers are not allowed.");
  }
  Tensor ta = detail::operandAs(a, dtypes->compute), tb = detail::operandAs(b, dtypes->compute);
  Shape shape = broadcastShapes(ta.shape(), tb.shape());
  Tensor out = Tensor::empty(shape, dtypes->result, device);
  if (out.isMeta()) return out;
  try {
    dispatchBinary(op, out, ta.expand(shape), tb.expand(shape));
  } catch (const scalar::ZeroDivisionError& e) {
    throw RuntimeError(e.what());
  }
  return out;
}

void binaryInPlace(BinaryOp op, Tensor& self, const Operand& other) {
  Tensor result = binary(op, self, other);
  check(canCast(result.dtype(), self.dtype()), "result type {} can't be cast to the desired output type {}",
        dtypeScalarTypeName(result.dtype()), dtypeScalarTypeName(self.dtype()));
  if (result.shape() != self.shape()) {
    fail("output with shape {} doesn't match the broadcast shape {}", shapeStr(self.shape()), shapeStr(result.shape()));
  }
  self.copyFrom(result);
}

Tensor where(const Tensor& condition, const Operand& a, const Operand& b) {
  check(condition.dtype() == DType::Bool,
        "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
        dtypeScalarTypeName(condition.dtype()));
  std::vector<const Tensor*> tensors = tensorsOf({&a, &b});
  tensors.insert(tensors.begin(), &condition);
  Device device = detail::commonDevice(tensors);
  DType dtype = detail::resultTypeOf({&a, &b});
  Tensor ta = detail::operandAs(a, dtype), tb = detail::operandAs(b, dtype);
  Shape shape = broadcastShapes(condition.shape(), broadcastShapes(ta.shape(), tb.shape()));
  Tensor out = Tensor::empty(shape, dtype, device);
  if (out.isMeta()) return out;
  Tensor c = condition.expand(shape);
  ta = ta.expand(shape);
  tb = tb.expand(shape);
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    detail::mapLoop<T, bool, T, T>(out, {&c, &ta, &tb}, [](bool pick, T x, T y) { return pick ? x : y; });
  });
  return out;
}

Tensor clamp(const Tensor& x, const std::optional<Operand>& min, const std::optional<Operand>& max) {
  check(min || max, "torch.clamp: At least one of 'min' or 'max' must not be None");
  Tensor out = x;
  if (min) out = binary(BinaryOp::Maximum, out, *min);
  if (max) out = binary(BinaryOp::Minimum, out, *max);
  return out;
}

}  // namespace hel
