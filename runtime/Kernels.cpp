#include "runtime/Kernels.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "runtime/Errors.h"
#include "support/ScalarOps.h"

namespace hel::detail {

LoopPlan planLoop(const Shape& shape, const std::vector<const Tensor*>& operands, bool rowMajor) {
  LoopPlan plan;
  plan.operands = static_cast<int>(operands.size());
  check(plan.operands <= kMaxLoopOperands, "internal error: a loop over {} operands", plan.operands);
  check(shape.size() <= static_cast<size_t>(kMaxLoopDims), "tensors with more than {} dimensions are not supported",
        kMaxLoopDims);
  if (numelOf(shape) == 0) {
    plan.empty = true;
    return plan;
  }
  auto byteStride = [&](int k, size_t dim) {
    const Tensor* t = operands[k];
    return t->strides()[dim] * static_cast<int64_t>(itemSize(t->dtype()));
  };
  std::vector<size_t> dims;  // outermost first
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] != 1) dims.push_back(d);
  }
  if (!rowMajor) {
    // Whether `outer` should go inside `inner`: decided by the first operand whose
    // strides in both are nonzero (broadcast dims say nothing about layout).
    auto shouldSwap = [&](size_t outer, size_t inner) {
      for (int k = 0; k < plan.operands; ++k) {
        int64_t a = byteStride(k, outer), b = byteStride(k, inner);
        if (a == 0 || b == 0) continue;
        return a < b;
      }
      return false;
    };
    for (size_t i = 1; i < dims.size(); ++i) {
      for (size_t j = i; j > 0 && shouldSwap(dims[j - 1], dims[j]); --j) std::swap(dims[j - 1], dims[j]);
    }
  }
  for (size_t d : dims) {
    int last = plan.ndim - 1;
    bool mergeable = last >= 0;
    for (int k = 0; mergeable && k < plan.operands; ++k) {
      mergeable = plan.strides[k][last] == byteStride(k, d) * shape[d];
    }
    if (mergeable) {
      plan.sizes[last] *= shape[d];
      for (int k = 0; k < plan.operands; ++k) plan.strides[k][last] = byteStride(k, d);
    } else {
      plan.sizes[plan.ndim] = shape[d];
      for (int k = 0; k < plan.operands; ++k) plan.strides[k][plan.ndim] = byteStride(k, d);
      ++plan.ndim;
    }
  }
  // An operand whose stride is smaller along the row dim than along the column dim
  // would be read across memory in every run: visit the block in tiles instead.
  if (!rowMajor && plan.ndim >= 2) {
    int rowDim = plan.ndim - 2, colDim = plan.ndim - 1;
    bool large = plan.sizes[rowDim] > kLoopTile && plan.sizes[colDim] > kLoopTile;
    for (int k = 0; large && k < plan.operands; ++k) {
      int64_t rowStride = std::abs(plan.strides[k][rowDim]), colStride = std::abs(plan.strides[k][colDim]);
      plan.tiled |= rowStride != 0 && rowStride < colStride;
    }
  }
  return plan;
}

Tensor movedLast(const Tensor& x, int64_t dim) {
  Shape order;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d != dim) order.push_back(d);
  }
  order.push_back(dim);
  return x.permute(order);
}

Tensor movedBack(const Tensor& t, int64_t dim) {
  int64_t last = t.dim() - 1;
  Shape order;
  for (int64_t d = 0; d < t.dim(); ++d) order.push_back(d < dim ? d : d == dim ? last : d - 1);
  return t.permute(order);
}

Scalar readElement(DType dtype, const std::byte* p) {
  return visitDType(dtype, [&](auto tag) -> Scalar {
    using T = typename decltype(tag)::type;
    T value;
    std::memcpy(&value, p, sizeof(T));
    if constexpr (std::is_same_v<T, bool>) return Scalar(value);
    else if constexpr (std::is_integral_v<T>) return Scalar(static_cast<int64_t>(value));
    else return Scalar(scalar::convert<double>(value));
  });
}

void writeElement(DType dtype, std::byte* p, Scalar value) {
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T converted = value.isFloat()  ? scalar::convert<T>(value.toDouble())
                  : value.isBool() ? scalar::convert<T>(value.toBool())
                                   : scalar::convert<T>(value.toInt());
    std::memcpy(p, &converted, sizeof(T));
  });
}

void checkFits(Scalar value, DType dtype) {
  if (value.isBool() || dtype == DType::Bool) return;
  // The names PyTorch's checked_convert prints.
  static constexpr std::string_view kTypeNames[kNumDTypes] = {
      "bool", "uint8_t", "int8_t", "int16_t", "int", "int64_t", "at::Half", "at::BFloat16", "float", "double"};
  bool overflows = visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Limits = std::numeric_limits<scalar::OpMath<T>>;
    double lowest, highest;
    if constexpr (std::is_same_v<T, Half>) {
      lowest = -65504.0, highest = 65504.0;
    } else if constexpr (std::is_same_v<T, BFloat16>) {
      lowest = -0x1.FEp127, highest = 0x1.FEp127;
    } else {
      lowest = static_cast<double>(Limits::lowest()), highest = static_cast<double>(Limits::max());
    }
    if (value.isInt()) {
      int64_t v = value.toInt();
      // PyTorch lets negative ints wrap into unsigned types (so uint8 takes -255..255).
      if (std::is_unsigned_v<T> && v < 0) return -static_cast<double>(v) > highest;
      return static_cast<double>(v) < lowest || static_cast<double>(v) > highest;
    }
    double v = value.toDouble();
    if (std::isinf(v) && Limits::has_infinity) return false;
    if (std::isnan(v)) return !Limits::has_quiet_NaN;
    return v < lowest || v > highest;
  });
  check(!overflows, "value cannot be converted to type {} without overflow", kTypeNames[static_cast<int>(dtype)]);
}

Device commonDevice(const std::vector<const Tensor*>& tensors) {
  std::optional<Device> device;
  for (const Tensor* t : tensors) {
    if (t->dim() == 0 && t->device().isCpu()) continue;
    if (!device) {
      device = t->device();
      continue;
    }
    if (*device != t->device()) {
      fail("Expected all tensors to be on the same device, but found at least two devices, {} and {}!", device->str(),
           t->device().str());
    }
  }
  if (device) return *device;
  for (const Tensor* t : tensors) {
    if (!t->device().isCpu()) return t->device();
  }
  return Device::cpu();
}

void failUnsupportedDType(std::string_view op, DType dtype) {
  if (dtype == DType::Bool && op == "neg") {
    fail("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
         "the `~` or `logical_not()` operator instead.");
  }
  if (dtype == DType::Bool && op == "sub") {
    fail("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
         "operator instead.");
  }
  if (dtype == DType::Bool && op == "relu") fail("Boolean inputs not supported for relu");
  if (op == "mean") {
    fail("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
         dtypeScalarTypeName(dtype));
  }
  fail("\"{}\" not implemented for '{}'", op, dtypeScalarTypeName(dtype));
}

DType resultTypeOf(std::initializer_list<const Operand*> operands) {
  ResultType result;
  for (const Operand* operand : operands) {
    if (operand->isTensor()) result.tensor(operand->tensor().dtype(), operand->tensor().dim());
    else result.scalar(operand->scalar().kind());
  }
  return result.get();
}

Tensor operandAs(const Operand& operand, DType dtype) {
  if (operand.isTensor()) return operand.tensor().to(dtype);
  Tensor t = Tensor::empty({}, dtype);
  writeElement(dtype, t.data(), operand.scalar());
  return t;
}

}  // namespace hel::detail
