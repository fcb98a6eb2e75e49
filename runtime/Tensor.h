// Host tensors with PyTorch's semantics: a dtype, a shape, strides in elements and a
// storage offset over shared storage, so that views alias (x.t(), x[:, 1], x.view(...)
// write through to x). Operations on tensors are declared in runtime/TensorOps.h,
// creation in runtime/Creation.h.
//
// Deviation from PyTorch: results of ops, clone() and *_like are always contiguous (PyTorch
// keeps the input's memory layout); values and shapes are the same.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

#include "runtime/Device.h"
#include "runtime/Scalar.h"
#include "runtime/Shape.h"
#include "support/DType.h"

namespace hel {

// Where the storage of cuda tensors comes from. With none installed (the default, and
// what --device cpu runs on) cuda tensors are host memory tagged cuda; the GPU path
// (runtime/cuda) installs its managed-memory allocator, so that kernels use tensors'
// memory directly. `allocate` returns zero-filled memory or throws; `release` frees it and
// never throws. Storage keeps the release it was allocated with, so a later install does
// not misroute frees; installing is not thread-safe: do it before the script runs.
using StorageAllocate = void* (*)(size_t bytes, int deviceIndex);
using StorageRelease = void (*)(void* data, int deviceIndex);
void setCudaStorageAllocator(StorageAllocate allocate, StorageRelease release);

// Memory that tensors view: host memory, or for cuda tensors what the installed allocator
// gives. Zero-filled, so that `empty` is deterministic (PyTorch leaves it undefined);
// calloc makes that free for large blocks.
class Storage {
 public:
  explicit Storage(size_t bytes, Device device = Device::cpu());
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  std::byte* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  std::byte* data_;
  size_t bytes_;
  Device device_;
  StorageRelease release_;
};

// A Python slice a:b:c; absent parts are None.
struct Slice {
  std::optional<int64_t> start, stop;
  std::optional<int64_t> step;
};

class TensorIndex;
class Operand;

class Tensor {
 public:
  // An undefined tensor (defined() is false); every other constructor is a factory.
  Tensor() = default;
  // Error for a negative size: "Trying to create tensor with negative dimension -1: [-1, 2]".
  static Tensor empty(const Shape& shape, DType dtype, Device device = Device::cpu());

  bool defined() const { return defined_; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool isMeta() const { return device_.isMeta(); }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t storageOffset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return numelOf(shape_); }
  // Negative dims count from the end.
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  bool isContiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool sharesStorage(const Tensor& other) const { return storage_ && storage_ == other.storage_; }

  // The address of element [0, ..., 0]. Error for meta tensors.
  std::byte* data() const;
  template <class T>
  T* data() const {
    return reinterpret_cast<T*>(data());
  }

  // ---- elements ------------------------------------------------------------------
  // The one element, as Python's x.item(). Error unless numel() == 1.
  Scalar item() const;
  // The element at a full index (negative indices count from the end).
  Scalar at(const Shape& index) const;
  // Writes one element, converted to the dtype; error if it does not fit (PyTorch's
  // "value cannot be converted to type int8_t without overflow").
  void setAt(const Shape& index, Scalar value);
  // Every element in row-major order (x.tolist() nests them by shape()).
  std::vector<Scalar> toScalars() const;

  // ---- views: they share this tensor's storage -------------------------------------
  // One size may be -1 (inferred). Error when the strides cannot express it.
  Tensor view(Shape shape) const;
  // A view when possible, else a contiguous copy.
  Tensor reshape(Shape shape) const;
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  // Transposes a 2-D tensor; 0-D and 1-D tensors are returned as they are.
  Tensor t() const;
  // Size -1 keeps a dim; new leading dims may be added; size-1 dims broadcast.
  Tensor expand(const Shape& sizes) const;
  Tensor expandAs(const Tensor& other) const { return expand(other.shape()); }
  Tensor unsqueeze(int64_t dim) const;
  // Drops every size-1 dim / the given dim if its size is 1.
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  // A view when possible, else a copy (as reshape).
  Tensor flatten(int64_t startDim = 0, int64_t endDim = -1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  // Python slicing semantics on one dim: bounds are clamped; step must be positive.
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) const;

  // ---- subscripts ----------------------------------------------------------------
  // x[indices]: a view for integers, slices, None and ...; integer (or bool mask)
  // tensors gather (advanced indexing, NumPy's rules: the indexed dims are replaced by
  // the broadcast index shape, in place if they are adjacent, else in front).
  Tensor index(const std::vector<TensorIndex>& indices) const;
  // x[indices] = value, with value broadcast to the indexed shape and converted to the
  // dtype.
  void indexPut(const std::vector<TensorIndex>& indices, const Operand& value);

  // ---- copies --------------------------------------------------------------------
  Tensor contiguous() const;
  Tensor clone() const;
  // Returns this tensor when the dtype (device) is already the one asked for.
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  // x.copy_(src): src is broadcast to the shape and converted to the dtype. Error when
  // this tensor has elements that share memory (an expanded view).
  void copyFrom(const Tensor& src);
  // x.fill_(value); error if the value does not fit the dtype.
  void fill(Scalar value);

 private:
  Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Shape strides, int64_t offset, Device device);
  // Another view of the same storage.
  Tensor withLayout(Shape shape, Shape strides, int64_t offset) const;

  bool defined_ = false;
  DType dtype_ = DType::Float32;
  Device device_;
  Shape shape_, strides_;
  int64_t offset_ = 0;
  std::shared_ptr<Storage> storage_;  // null for meta tensors
};

// One item of a subscript: an integer, a slice, None, ... or an index tensor.
class TensorIndex {
 public:
  enum class Kind { Integer, Slice, None, Ellipsis, Tensor };

  TensorIndex(int64_t index) : kind_(Kind::Integer), integer_(index) {}
  TensorIndex(int index) : TensorIndex(int64_t{index}) {}
  TensorIndex(Slice slice) : kind_(Kind::Slice), slice_(slice) {}
  TensorIndex(Tensor tensor) : kind_(Kind::Tensor), tensor_(std::move(tensor)) {}
  static TensorIndex none() { return TensorIndex(Kind::None); }
  static TensorIndex ellipsis() { return TensorIndex(Kind::Ellipsis); }

  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  explicit TensorIndex(Kind kind) : kind_(kind) {}
  Kind kind_;
  int64_t integer_ = 0;
  Slice slice_;
  Tensor tensor_;
};

// An operand of an elementwise op: a tensor or a Python number. Numbers take part in
// type promotion as Python scalars (ResultType::scalar).
class Operand {
 public:
  Operand(Tensor tensor) : value_(std::move(tensor)) {}
  Operand(Scalar scalar) : value_(scalar) {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Operand(T number) : value_(Scalar(number)) {}

  bool isTensor() const { return std::holds_alternative<Tensor>(value_); }
  const Tensor& tensor() const { return std::get<Tensor>(value_); }
  const Scalar& scalar() const { return std::get<Scalar>(value_); }

 private:
  std::variant<Tensor, Scalar> value_;
};

}  // namespace hel
