// Copies and conversions between tensors: copy_, fill_, clone, contiguous, to.
#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/Tensor.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

// Writing through an expanded view would write one element several times.
void checkNoInternalOverlap(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    check(t.strides()[d] != 0 || t.shape()[d] <= 1,
          "unsupported operation: more than one element of the written-to tensor refers to a single memory "
          "location. Please clone() the tensor before performing the operation.");
  }
}

}  // namespace

void Tensor::copyFrom(const Tensor& src) {
  Shape broadcast = broadcastShapes(shape_, src.shape());
  if (broadcast != shape_) {
    fail("output with shape {} doesn't match the broadcast shape {}", shapeStr(shape_), shapeStr(broadcast));
  }
  if (isMeta()) return;
  check(!src.isMeta(), "Cannot copy out of meta tensor; no data!");
  checkNoInternalOverlap(*this);
  // A source that overlaps the destination is read from a copy, so that no element is
  // overwritten before it is read.
  Tensor source = (src.sharesStorage(*this) ? src.clone() : src).expand(shape_);
  visitDType(dtype_, [&](auto outTag) {
    using Out = typename decltype(outTag)::type;
    visitDType(source.dtype(), [&](auto inTag) {
      using In = typename decltype(inTag)::type;
      detail::mapLoop<Out, In>(*this, {&source}, [](In v) { return scalar::convert<Out>(v); });
    });
  });
}

void Tensor::fill(Scalar value) {
  detail::checkFits(value, dtype_);
  if (isMeta()) return;
  checkNoInternalOverlap(*this);
  visitDType(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T converted;
    detail::writeElement(dtype_, reinterpret_cast<std::byte*>(&converted), value);
    detail::mapLoop<T>(*this, {}, [converted] { return converted; });
  });
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_, device_);
  out.copyFrom(*this);
  return out;
}

Tensor Tensor::contiguous() const { return isContiguous() ? *this : clone(); }

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype, device_);
  out.copyFrom(*this);
  return out;
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return *this;
  check(!isMeta() || device.isMeta(), "Cannot copy out of meta tensor; no data!");
  Tensor out = empty(shape_, dtype_, device);
  out.copyFrom(*this);
  return out;
}

}  // namespace hel
