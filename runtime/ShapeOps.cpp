// Ops that build a tensor from pieces: pad, cat, stack.
#include <algorithm>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/TensorOps.h"

namespace hel {

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, Scalar value) {
  check(pads.size() % 2 == 0, "Padding length must be divisible by 2");
  check(static_cast<int64_t>(pads.size() / 2) <= x.dim(), "Padding length too large");
  Shape shape = x.shape();
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    size_t d = shape.size() - 1 - i;
    int64_t before = pads[2 * i], after = pads[2 * i + 1];
    shape[d] = x.shape()[d] + before + after;
    check(shape[d] >= 0,
          "The input size {}, plus negative padding {} and {} resulted in a negative output size, which is invalid. "
          "Check dimension {} of your input.",
          x.shape()[d], before, after, d);
  }
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  out.fill(value);
  // Copy the part of x that survives cropping into the part of out it lands in.
  Tensor dst = out, src = x;
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    int64_t d = x.dim() - 1 - static_cast<int64_t>(i);
    int64_t before = pads[2 * i], after = pads[2 * i + 1];
    int64_t kept = std::max<int64_t>(x.shape()[d] + std::min<int64_t>(before, 0) + std::min<int64_t>(after, 0), 0);
    dst = dst.narrow(d, std::max<int64_t>(before, 0), kept);
    src = src.narrow(d, std::max<int64_t>(-before, 0), kept);
  }
  dst.copyFrom(src);
  return out;
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  check(!tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  // PyTorch still skips 1-D empty tensors, whatever the other shapes.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  const Tensor* reference = nullptr;
  ResultType promotion;
  std::vector<const Tensor*> all;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check(t.dim() > 0, "zero-dimensional tensor (at position {}) cannot be concatenated", i);
    promotion.tensor(t.dtype(), t.dim());
    all.push_back(&t);
    if (!reference && !skipped(t)) reference = &t;
  }
  DType dtype = promotion.get();
  Device device = detail::commonDevice(all);
  if (!reference) return Tensor::empty({0}, dtype, device);
  int64_t d = wrapDim(dim, reference->dim());
  Shape shape = reference->shape();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) continue;
    check(t.dim() == reference->dim(), "Tensors must have same number of dimensions: got {} and {}", reference->dim(),
          t.dim());
    for (int64_t j = 0; j < t.dim(); ++j) {
      check(j == d || t.shape()[j] == reference->shape()[j],
            "Sizes of tensors must match except in dimension {}. Expected size {} but got size {} for tensor number {} "
            "in the list.",
            d, reference->shape()[j], t.shape()[j], i);
    }
    shape[d] += t.shape()[d];
  }
  Tensor out = Tensor::empty(shape, dtype, device);
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (skipped(t)) continue;
    out.narrow(d, offset, t.shape()[d]).copyFrom(t);
    offset += t.shape()[d];
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  check(!tensors.empty(), "stack expects a non-empty TensorList");
  int64_t d = wrapDim(dim, tensors[0].dim() + 1);
  std::vector<Tensor> unsqueezed;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].shape() != tensors[0].shape()) {
      fail("stack expects each tensor to be equal size, but got {} at entry 0 and {} at entry {}",
           shapeStr(tensors[0].shape()), shapeStr(tensors[i].shape()), i);
    }
    unsqueezed.push_back(tensors[i].unsqueeze(d));
  }
  return cat(unsqueezed, d);
}

}  // namespace hel
