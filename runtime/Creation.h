// Tensor creation, as torch.zeros, torch.full, torch.arange, torch.tensor, torch.*_like.
// (torch.empty is Tensor::empty.) Random tensors are in runtime/Random.h.
#pragma once

#include <optional>
#include <vector>

#include "runtime/Tensor.h"

namespace hel {

Tensor zeros(const Shape& shape, DType dtype = kDefaultFloat, Device device = Device::cpu());
Tensor ones(const Shape& shape, DType dtype = kDefaultFloat, Device device = Device::cpu());
// Without a dtype, the value's: bool, int64 or float32. Error if the value does not fit.
Tensor full(const Shape& shape, Scalar value, std::optional<DType> dtype = std::nullopt,
            Device device = Device::cpu());
// Values start, start + step, ... below end (above it for a negative step). Without a
// dtype: int64 if start, end and step are ints, else float32.
Tensor arange(Scalar start, Scalar end, Scalar step = 1, std::optional<DType> dtype = std::nullopt,
              Device device = Device::cpu());
// torch.tensor from a nested list, given flattened (row-major) with its shape. Without a
// dtype: float32 if any value is a float, else int64 if any is an int, else bool (an
// empty list: float32).
Tensor tensor(const std::vector<Scalar>& values, const Shape& shape, std::optional<DType> dtype = std::nullopt,
              Device device = Device::cpu());

// *_like: x's shape, and x's dtype and device unless given.
Tensor emptyLike(const Tensor& x, std::optional<DType> dtype = std::nullopt,
                 std::optional<Device> device = std::nullopt);
Tensor zerosLike(const Tensor& x, std::optional<DType> dtype = std::nullopt,
                 std::optional<Device> device = std::nullopt);
Tensor onesLike(const Tensor& x, std::optional<DType> dtype = std::nullopt,
                std::optional<Device> device = std::nullopt);
Tensor fullLike(const Tensor& x, Scalar value, std::optional<DType> dtype = std::nullopt,
                std::optional<Device> device = std::nullopt);

}  // namespace hel
