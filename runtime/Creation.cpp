#include "runtime/Creation.h"

#include <cmath>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "support/ScalarOps.h"

namespace hel {

Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0, dtype, device); }

Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1, dtype, device); }

Tensor full(const Shape& shape, Scalar value, std::optional<DType> dtype, Device device) {
  Tensor out = Tensor::empty(shape, dtype.value_or(value.defaultDType()), device);
  out.fill(value);
  return out;
}

Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<DType> dtype, Device device) {
  bool allInts = !start.isFloat() && !end.isFloat() && !step.isFloat();
  DType resultDType = dtype.value_or(allInts ? DType::Int64 : kDefaultFloat);
  check(step.toDouble() != 0, "step must be nonzero");
  double first = start.toDouble(), last = end.toDouble(), delta = step.toDouble();
  check((delta > 0 && last >= first) || (delta < 0 && last <= first),
        "upper bound and larger bound inconsistent with step sign");
  // As PyTorch: the length from the difference taken in int64 when all are ints.
  double span = allInts ? static_cast<double>(end.toInt() - start.toInt()) : last - first;
  auto length = static_cast<int64_t>(std::ceil(span / delta));
  Tensor out = Tensor::empty({length}, resultDType, device);
  if (out.isMeta()) return out;
  bool integerSteps = allInts && !isFloating(resultDType);
  visitDType(resultDType, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = out.data<T>();
    for (int64_t i = 0; i < length; ++i) {
      data[i] = integerSteps ? scalar::convert<T>(start.toInt() + i * step.toInt())
                             : scalar::convert<T>(first + static_cast<double>(i) * delta);
    }
  });
  return out;
}

Tensor tensor(const std::vector<Scalar>& values, const Shape& shape, std::optional<DType> dtype, Device device) {
  if (static_cast<int64_t>(values.size()) != numelOf(shape)) {
    fail("tensor(): {} values do not fill the shape {}", values.size(), shapeStr(shape));
  }
  if (!dtype) {
    bool anyFloat = false, anyInt = false;
    for (const Scalar& v : values) {
      anyFloat |= v.isFloat();
      anyInt |= v.isInt();
    }
    dtype = anyFloat || values.empty() ? kDefaultFloat : anyInt ? DType::Int64 : DType::Bool;
  }
  Tensor out = Tensor::empty(shape, *dtype, device);
  for (const Scalar& v : values) detail::checkFits(v, *dtype);
  if (out.isMeta()) return out;
  int64_t item = static_cast<int64_t>(itemSize(*dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    detail::writeElement(*dtype, out.data() + static_cast<int64_t>(i) * item, values[i]);
  }
  return out;
}

Tensor emptyLike(const Tensor& x, std::optional<DType> dtype, std::optional<Device> device) {
  return Tensor::empty(x.shape(), dtype.value_or(x.dtype()), device.value_or(x.device()));
}

Tensor zerosLike(const Tensor& x, std::optional<DType> dtype, std::optional<Device> device) {
  return fullLike(x, 0, dtype, device);
}

Tensor onesLike(const Tensor& x, std::optional<DType> dtype, std::optional<Device> device) {
  return fullLike(x, 1, dtype, device);
}

Tensor fullLike(const Tensor& x, Scalar value, std::optional<DType> dtype, std::optional<Device> device) {
  return full(x.shape(), value, dtype.value_or(x.dtype()), device.value_or(x.device()));
}

}  // namespace hel
