#include "runtime/Tensor.h"

#include <algorithm>
#include <cstdlib>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"

namespace hel {

namespace {

StorageAllocate cudaAllocate = nullptr;
StorageRelease cudaRelease = nullptr;

void releaseHost(void* data, int) { std::free(data); }

}  // namespace

void setCudaStorageAllocator(StorageAllocate allocate, StorageRelease release) {
  cudaAllocate = allocate;
  cudaRelease = release;
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device), release_(releaseHost) {
  if (device.isCuda() && cudaAllocate) {
    data_ = static_cast<std::byte*>(cudaAllocate(bytes, device.index));
    release_ = cudaRelease;
    return;
  }
  data_ = static_cast<std::byte*>(std::calloc(std::max<size_t>(bytes, 1), 1));
  if (!data_) fail("DefaultCPUAllocator: not enough memory: you tried to allocate {} bytes.", bytes);
}

Storage::~Storage() { release_(data_, device_.index); }

Tensor::Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Shape strides, int64_t offset, Device device)
    : defined_(true),
      dtype_(dtype),
      device_(device),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      offset_(offset),
      storage_(std::move(storage)) {}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t size : shape) {
    if (size < 0) {
      fail("Trying to create tensor with negative dimension {}: {}", size, shapeStr(shape));
    }
  }
  uint64_t bytes = itemSize(dtype);
  for (int64_t size : shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(size), &bytes)) {
      fail("Storage size calculation overflowed with sizes={}", shapeStr(shape));
    }
  }
  std::shared_ptr<Storage> storage;
  if (!device.isMeta()) storage = std::make_shared<Storage>(bytes, device);
  return Tensor(std::move(storage), dtype, shape, contiguousStrides(shape), 0, device);
}

Tensor Tensor::withLayout(Shape shape, Shape strides, int64_t offset) const {
  return Tensor(storage_, dtype_, std::move(shape), std::move(strides), offset, device_);
}

int64_t Tensor::size(int64_t dim) const { return shape_[wrapDim(dim, this->dim())]; }

int64_t Tensor::stride(int64_t dim) const { return strides_[wrapDim(dim, this->dim())]; }

bool Tensor::isContiguous() const {
  int64_t expected = 1;
  for (size_t d = shape_.size(); d-- > 0;) {
    if (shape_[d] == 0) return true;
    if (shape_[d] == 1) continue;
    if (strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

std::byte* Tensor::data() const {
  check(storage_ != nullptr, "Cannot access data pointer of Tensor that doesn't have storage");
  return storage_->data() + offset_ * static_cast<int64_t>(itemSize(dtype_));
}

// ---- elements --------------------------------------------------------------------

Scalar Tensor::item() const {
  check(!isMeta(), "Tensor.item() cannot be called on meta tensors");
  check(numel() == 1, "a Tensor with {} elements cannot be converted to Scalar", numel());
  return detail::readElement(dtype_, data());
}

namespace {
// The element offset of a full index, bounds-checked.
int64_t elementOffset(const Tensor& t, const Shape& index) {
  check(static_cast<int64_t>(index.size()) == t.dim(), "expected {} indices for a tensor of dimension {}, got {}",
        t.dim(), t.dim(), index.size());
  int64_t offset = 0;
  for (size_t d = 0; d < index.size(); ++d) {
    int64_t i = index[d], size = t.shape()[d];
    check(i >= -size && i < size, "index {} is out of bounds for dimension {} with size {}", i, d, size);
    offset += (i < 0 ? i + size : i) * t.strides()[d];
  }
  return offset;
}
}  // namespace

Scalar Tensor::at(const Shape& index) const {
  int64_t offset = elementOffset(*this, index);
  return detail::readElement(dtype_, data() + offset * static_cast<int64_t>(itemSize(dtype_)));
}

void Tensor::setAt(const Shape& index, Scalar value) {
  int64_t offset = elementOffset(*this, index);
  detail::checkFits(value, dtype_);
  detail::writeElement(dtype_, data() + offset * static_cast<int64_t>(itemSize(dtype_)), value);
}

std::vector<Scalar> Tensor::toScalars() const {
  std::vector<Scalar> values;
  values.reserve(static_cast<size_t>(numel()));
  detail::LoopPlan plan = detail::planLoop(shape_, {this}, /*rowMajor=*/true);
  std::byte* base = data();
  detail::runLoop(plan, &base, [&](std::byte* const* p, int64_t n, const int64_t* s) {
    for (int64_t i = 0; i < n; ++i) values.push_back(detail::readElement(dtype_, p[0] + i * s[0]));
  });
  return values;
}

// ---- views -----------------------------------------------------------------------

namespace {

// Resolves a -1 size and checks that the element count is kept.
Shape inferSize(Shape shape, int64_t numel) {
  std::optional<size_t> inferred;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      check(!inferred, "only one dimension can be inferred");
      inferred = i;
    } else {
      check(shape[i] >= 0, "invalid shape dimension {}", shape[i]);
      known *= shape[i];
    }
  }
  if (inferred) {
    if (known == 0) {
      fail(
          "cannot reshape tensor of 0 elements into shape {} because the unspecified dimension size -1 can be any "
          "value and is ambiguous",
          shapeStr(shape));
    }
    if (numel % known != 0) {
      fail("shape '{}' is invalid for input of size {}", shapeStr(shape), numel);
    }
    shape[*inferred] = numel / known;
  }
  if (numelOf(shape) != numel) {
    fail("shape '{}' is invalid for input of size {}", shapeStr(shape), numel);
  }
  return shape;
}

// The strides that give `newShape` as a view of a tensor with `shape` and `strides`, or
// nullopt. Dims are matched in chunks that are contiguous in memory: a view can split or
// merge dims only within such a chunk.
std::optional<Shape> viewStrides(const Shape& shape, const Shape& strides, const Shape& newShape) {
  Shape newStrides(newShape.size());
  if (shape.empty()) {
    std::fill(newStrides.begin(), newStrides.end(), 1);
    return newStrides;
  }
  int64_t numel = numelOf(shape);
  if (numel == 0) {
    if (shape == newShape) return strides;
    return contiguousStrides(newShape);
  }
  int64_t viewDim = static_cast<int64_t>(newShape.size()) - 1;
  int64_t chunkBaseStride = strides.back();
  int64_t tensorNumel = 1, viewNumel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensorNumel *= shape[d];
    bool chunkEnds = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBaseStride);
    if (!chunkEnds) continue;
    while (viewDim >= 0 && (viewNumel < tensorNumel || newShape[viewDim] == 1)) {
      newStrides[viewDim] = viewNumel * chunkBaseStride;
      viewNumel *= newShape[viewDim];
      --viewDim;
    }
    if (viewNumel != tensorNumel) return std::nullopt;
    if (d > 0) {
      chunkBaseStride = strides[d - 1];
      tensorNumel = viewNumel = 1;
    }
  }
  if (viewDim != -1) return std::nullopt;
  return newStrides;
}

}  // namespace

Tensor Tensor::view(Shape shape) const {
  shape = inferSize(std::move(shape), numel());
  std::optional<Shape> strides = viewStrides(shape_, strides_, shape);
  check(strides.has_value(),
        "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
        "contiguous subspaces). Use .reshape(...) instead.");
  return withLayout(std::move(shape), std::move(*strides), offset_);
}

Tensor Tensor::reshape(Shape shape) const {
  shape = inferSize(std::move(shape), numel());
  if (std::optional<Shape> strides = viewStrides(shape_, strides_, shape)) {
    return withLayout(std::move(shape), std::move(*strides), offset_);
  }
  return contiguous().view(std::move(shape));
}

Tensor Tensor::permute(const Shape& dims) const {
  check(static_cast<int64_t>(dims.size()) == dim(),
        "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
        "ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
        dim(), dims.size());
  Shape shape(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrapDim(dims[i], dim());
    check(!seen[d], "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    shape[i] = shape_[d];
    strides[i] = strides_[d];
  }
  return withLayout(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  if (dim() == 0) {
    wrapDim(dim0, 0);
    wrapDim(dim1, 0);
    return *this;
  }
  dim0 = wrapDim(dim0, dim());
  dim1 = wrapDim(dim1, dim());
  Shape shape = shape_, strides = strides_;
  std::swap(shape[dim0], shape[dim1]);
  std::swap(strides[dim0], strides[dim1]);
  return withLayout(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::t() const {
  check(dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is {}D", dim());
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::expand(const Shape& sizes) const {
  if (sizes.size() < shape_.size()) {
    fail(
        "expand(torch.{}Tensor{{{}}}, size={}): the number of sizes provided ({}) must be greater or equal to the "
        "number of dimensions in the tensor ({})",
        dtypeScalarTypeName(dtype_), shapeStr(shape_), shapeStr(sizes), sizes.size(), shape_.size());
  }
  size_t lead = sizes.size() - shape_.size();
  Shape shape(sizes.size()), strides(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i < lead) {
      check(sizes[i] >= 0, "The expanded size of the tensor ({}) isn't allowed in a leading, non-existing dimension {}",
            sizes[i], i);
      shape[i] = sizes[i];
      strides[i] = 0;
      continue;
    }
    int64_t own = shape_[i - lead];
    int64_t target = sizes[i] == -1 ? own : sizes[i];
    if (own != target && own != 1) {
      fail(
          "The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dimension {}.  "
          "Target sizes: {}.  Tensor sizes: {}",
          target, own, i, shapeStr(sizes), shapeStr(shape_));
    }
    shape[i] = target;
    strides[i] = own == target ? strides_[i - lead] : 0;
  }
  return withLayout(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  dim = wrapDim(dim, this->dim() + 1);
  Shape shape = shape_, strides = strides_;
  int64_t stride = dim < this->dim() ? shape_[dim] * strides_[dim] : 1;
  shape.insert(shape.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  return withLayout(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::squeeze() const {
  Shape shape, strides;
  for (size_t d = 0; d < shape_.size(); ++d) {
    if (shape_[d] == 1) continue;
    shape.push_back(shape_[d]);
    strides.push_back(strides_[d]);
  }
  return withLayout(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::squeeze(int64_t dim) const {
  dim = wrapDim(dim, this->dim());
  if (this->dim() == 0 || shape_[dim] != 1) return *this;
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return withLayout(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::flatten(int64_t startDim, int64_t endDim) const {
  startDim = wrapDim(startDim, dim());
  endDim = wrapDim(endDim, dim());
  check(startDim <= endDim, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (dim() == 0) return reshape({1});
  Shape shape(shape_.begin(), shape_.begin() + startDim);
  int64_t merged = 1;
  for (int64_t d = startDim; d <= endDim; ++d) merged *= shape_[d];
  shape.push_back(merged);
  shape.insert(shape.end(), shape_.begin() + endDim + 1, shape_.end());
  return reshape(std::move(shape));
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  check(this->dim() > 0, "select() cannot be applied to a 0-dim tensor.");
  dim = wrapDim(dim, this->dim());
  int64_t size = shape_[dim];
  check(index >= -size && index < size, "index {} is out of bounds for dimension {} with size {}", index, dim, size);
  if (index < 0) index += size;
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return withLayout(std::move(shape), std::move(strides), offset_ + index * strides_[dim]);
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  check(this->dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
  dim = wrapDim(dim, this->dim());
  int64_t size = shape_[dim];
  check(length >= 0, "narrow(): length must be non-negative.");
  check(start >= -size && start <= size, "start out of range (expected to be in range of [{}, {}], but got {})", -size,
        size, start);
  if (start < 0) start += size;
  check(start + length <= size, "start ({}) + length ({}) exceeds dimension size ({}).", start, length, size);
  return slice(dim, start, start + length);
}

Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) const {
  check(this->dim() > 0, "slice() cannot be applied to a 0-dim tensor.");
  check(step > 0, "step must be greater than zero");
  dim = wrapDim(dim, this->dim());
  int64_t size = shape_[dim];
  auto clampIndex = [size](int64_t i) {
    if (i < 0) i += size;
    return std::clamp<int64_t>(i, 0, size);
  };
  int64_t begin = start ? clampIndex(*start) : 0;
  int64_t end = stop ? clampIndex(*stop) : size;
  int64_t length = end > begin ? (end - begin + step - 1) / step : 0;
  Shape shape = shape_, strides = strides_;
  shape[dim] = length;
  strides[dim] = strides_[dim] * step;
  return withLayout(std::move(shape), std::move(strides), offset_ + begin * strides_[dim]);
}

}  // namespace hel
