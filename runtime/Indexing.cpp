// Subscripts: x[...] and x[...] = value, with basic (view) and advanced (index tensor)
// indexing as in PyTorch and NumPy.
#include <algorithm>
#include <cstring>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/Tensor.h"

namespace hel {
namespace {

// An int64 index tensor applied to one dim of the basic view.
struct AdvancedIndex {
  int64_t dim;
  Tensor index;
};

// A subscript after its basic part: the view it selects, and the index tensors still to
// apply to some of the view's dims (in increasing dim order).
struct Resolved {
  Tensor view;
  std::vector<AdvancedIndex> advanced;
};

// The positions of the true elements of a bool mask, one int64 tensor per mask dim.
std::vector<Tensor> nonzero(const Tensor& mask) {
  std::vector<Scalar> values = mask.toScalars();
  Shape strides = contiguousStrides(mask.shape());
  int64_t count = std::count_if(values.begin(), values.end(), [](const Scalar& v) { return v.toBool(); });
  std::vector<Tensor> indices;
  for (int64_t d = 0; d < mask.dim(); ++d) indices.push_back(Tensor::empty({count}, DType::Int64));
  int64_t n = 0;
  for (size_t flat = 0; flat < values.size(); ++flat) {
    if (!values[flat].toBool()) continue;
    for (int64_t d = 0; d < mask.dim(); ++d) {
      indices[d].data<int64_t>()[n] = static_cast<int64_t>(flat) / strides[d] % mask.shape()[d];
    }
    ++n;
  }
  return indices;
}

Resolved applyBasic(const Tensor& self, const std::vector<TensorIndex>& indices) {
  int64_t consumed = 0;
  int ellipses = 0;
  for (const TensorIndex& index : indices) {
    switch (index.kind()) {
      case TensorIndex::Kind::Integer:
      case TensorIndex::Kind::Slice: ++consumed; break;
      case TensorIndex::Kind::Tensor: {
        DType dtype = index.tensor().dtype();
        bool mask = dtype == DType::Bool || dtype == DType::UInt8;
        consumed += mask ? index.tensor().dim() : 1;
        break;
      }
      case TensorIndex::Kind::Ellipsis: ++ellipses; break;
      case TensorIndex::Kind::None: break;
    }
  }
  check(ellipses <= 1, "an index can only have a single ellipsis ('...')");
  check(consumed <= self.dim(), "too many indices for tensor of dimension {}", self.dim());

  Resolved r{self, {}};
  int64_t cur = 0;  // the view's dim the next index applies to
  for (const TensorIndex& index : indices) {
    switch (index.kind()) {
      case TensorIndex::Kind::None: r.view = r.view.unsqueeze(cur++); break;
      case TensorIndex::Kind::Ellipsis: cur += self.dim() - consumed; break;
      case TensorIndex::Kind::Integer: r.view = r.view.select(cur, index.integer()); break;
      case TensorIndex::Kind::Slice: {
        const Slice& s = index.slice();
        r.view = r.view.slice(cur++, s.start, s.stop, s.step.value_or(1));
        break;
      }
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = index.tensor();
        if (t.device() != self.device() && !t.device().isCpu()) {
          fail("indices should be either on cpu or on the same device as the indexed tensor ({})", self.device().str());
        }
        if (t.dtype() == DType::Bool || t.dtype() == DType::UInt8) {
          if (t.dim() == 0) {
            // x[True] adds a dim of size 1, x[False] one of size 0.
            r.view = r.view.unsqueeze(cur);
            Tensor positions = Tensor::empty({t.item().toBool() ? 1 : 0}, DType::Int64, self.device());
            r.advanced.push_back({cur++, positions});
            break;
          }
          for (int64_t j = 0; j < t.dim(); ++j) {
            if (cur + j >= r.view.dim() || t.shape()[j] != r.view.shape()[cur + j]) {
              fail("The shape of the mask {} at index {} does not match the shape of the indexed tensor {} at index {}",
                   shapeStr(t.shape()), j, shapeStr(r.view.shape()), cur + j);
            }
          }
          if (t.isMeta()) fail("boolean mask indexing needs the mask's values; it cannot run on the meta device");
          for (Tensor& positions : nonzero(t)) r.advanced.push_back({cur++, positions});
        } else {
          check(isIntegral(t.dtype(), /*includeBool=*/false),
                "tensors used as indices must be long, int, byte or bool tensors");
          r.advanced.push_back({cur++, t.to(DType::Int64)});
        }
        break;
      }
    }
  }
  return r;
}

// Advanced indexing: the index tensors broadcast to indexShape; the result has the
// view's other ("rest") dims with indexShape inserted at insertAt.
struct Gather {
  Shape indexShape;
  int64_t insertAt = 0;
  Shape resultShape;
  // The order of the result's dims that puts the index dims first.
  Shape indexFirst;
};

Gather planGather(const Resolved& r) {
  Gather g;
  for (const AdvancedIndex& a : r.advanced) g.indexShape = broadcastShapes(g.indexShape, a.index.shape());
  // Index dims that are adjacent in the subscript stay in place; else they go first.
  bool adjacent = true;
  for (size_t i = 1; i < r.advanced.size(); ++i) adjacent &= r.advanced[i].dim == r.advanced[i - 1].dim + 1;
  g.insertAt = adjacent ? r.advanced.front().dim : 0;
  Shape rest;
  for (int64_t d = 0; d < r.view.dim(); ++d) {
    bool indexed =
        std::any_of(r.advanced.begin(), r.advanced.end(), [d](const AdvancedIndex& a) { return a.dim == d; });
    if (!indexed) rest.push_back(r.view.shape()[d]);
  }
  g.resultShape.assign(rest.begin(), rest.begin() + g.insertAt);
  g.resultShape.insert(g.resultShape.end(), g.indexShape.begin(), g.indexShape.end());
  g.resultShape.insert(g.resultShape.end(), rest.begin() + g.insertAt, rest.end());
  int64_t k = static_cast<int64_t>(g.indexShape.size());
  for (int64_t i = 0; i < k; ++i) g.indexFirst.push_back(g.insertAt + i);
  for (int64_t i = 0; i < static_cast<int64_t>(g.resultShape.size()); ++i) {
    if (i < g.insertAt || i >= g.insertAt + k) g.indexFirst.push_back(i);
  }
  return g;
}

// For every index position (row-major), the address of the element of the view it
// selects (the first element of its rest block). Checks the bounds.
std::vector<std::byte*> gatherAddresses(const Resolved& r, const Gather& g) {
  std::vector<int64_t> offsets(static_cast<size_t>(numelOf(g.indexShape)), r.view.storageOffset());
  for (const AdvancedIndex& a : r.advanced) {
    int64_t size = r.view.shape()[a.dim], stride = r.view.strides()[a.dim];
    Tensor expanded = a.index.expand(g.indexShape);
    detail::LoopPlan plan = detail::planLoop(g.indexShape, {&expanded}, /*rowMajor=*/true);
    std::byte* base = expanded.data();
    size_t p = 0;
    detail::runLoop(plan, &base, [&](std::byte* const* ptr, int64_t n, const int64_t* s) {
      for (int64_t i = 0; i < n; ++i, ++p) {
        int64_t v;
        std::memcpy(&v, ptr[0] + i * s[0], sizeof v);
        check(v >= -size && v < size, "index {} is out of bounds for dimension {} with size {}", v, a.dim, size);
        offsets[p] += (v < 0 ? v + size : v) * stride;
      }
    });
  }
  std::vector<std::byte*> addresses(offsets.size());
  int64_t item = static_cast<int64_t>(itemSize(r.view.dtype()));
  for (size_t p = 0; p < offsets.size(); ++p) addresses[p] = r.view.storage()->data() + offsets[p] * item;
  return addresses;
}

// The view without its indexed dims (selected at 0): the layout of one rest block.
Tensor restOfView(const Resolved& r) {
  Tensor rest = r.view;
  for (auto a = r.advanced.rbegin(); a != r.advanced.rend(); ++a) rest = rest.select(a->dim, 0);
  return rest;
}

// For a tensor whose first k dims are index dims: the address of each rest block,
// row-major over the index dims, and the layout of one block.
std::pair<std::vector<std::byte*>, Tensor> splitBlocks(const Tensor& t, size_t k) {
  Tensor outer = t, block = t;
  for (size_t i = k; i < t.shape().size(); ++i) outer = outer.select(-1, 0);
  for (size_t i = 0; i < k; ++i) block = block.select(0, 0);
  std::vector<std::byte*> addresses;
  detail::LoopPlan plan = detail::planLoop(outer.shape(), {&outer}, /*rowMajor=*/true);
  std::byte* base = outer.data();
  detail::runLoop(plan, &base, [&](std::byte* const* p, int64_t n, const int64_t* s) {
    for (int64_t i = 0; i < n; ++i) addresses.push_back(p[0] + i * s[0]);
  });
  return {std::move(addresses), block};
}

template <class Word>
void copyRun(std::byte* const* p, int64_t n, const int64_t* s) {
  for (int64_t i = 0; i < n; ++i) std::memcpy(p[0] + i * s[0], p[1] + i * s[1], sizeof(Word));
}

// Copies block p from src[p] to dst[p], both laid out as the blocks dstBlock/srcBlock
// (same shape and dtype).
void copyBlocks(const std::vector<std::byte*>& dst, const Tensor& dstBlock, const std::vector<std::byte*>& src,
                const Tensor& srcBlock) {
  detail::LoopPlan plan = detail::planLoop(dstBlock.shape(), {&dstBlock, &srcBlock});
  auto run = [&](auto word) {
    using Word = decltype(word);
    for (size_t p = 0; p < dst.size(); ++p) {
      std::byte* bases[] = {dst[p], src[p]};
      detail::runLoop(plan, bases, copyRun<Word>);
    }
  };
  switch (itemSize(dstBlock.dtype())) {
    case 1: run(uint8_t{}); break;
    case 2: run(uint16_t{}); break;
    case 4: run(uint32_t{}); break;
    default: run(uint64_t{}); break;
  }
}

// PyTorch drops leading size-1 dims of an assigned value (x[0] = t[None]).
Tensor stripLeadingOnes(Tensor value, int64_t rank) {
  while (value.dim() > rank && value.shape()[0] == 1) value = value.squeeze(0);
  return value;
}

}  // namespace

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const {
  Resolved r = applyBasic(*this, indices);
  if (r.advanced.empty()) return r.view;
  Gather g = planGather(r);
  Tensor out = empty(g.resultShape, dtype_, device_);
  if (isMeta() || out.numel() == 0) return out;
  std::vector<std::byte*> src = gatherAddresses(r, g);
  auto [dst, dstBlock] = splitBlocks(out.permute(g.indexFirst), g.indexShape.size());
  copyBlocks(dst, dstBlock, src, restOfView(r));
  return out;
}

void Tensor::indexPut(const std::vector<TensorIndex>& indices, const Operand& value) {
  Resolved r = applyBasic(*this, indices);
  if (r.advanced.empty()) {
    if (value.isTensor()) r.view.copyFrom(stripLeadingOnes(value.tensor(), r.view.dim()).expand(r.view.shape()));
    else r.view.fill(value.scalar());
    return;
  }
  Gather g = planGather(r);
  Tensor source;
  if (value.isTensor()) {
    source = stripLeadingOnes(value.tensor(), static_cast<int64_t>(g.resultShape.size()));
    if (!expandsTo(source.shape(), g.resultShape)) {
      fail("shape mismatch: value tensor of shape {} cannot be broadcast to indexing result of shape {}",
           shapeStr(value.tensor().shape()), shapeStr(g.resultShape));
    }
    check(!source.isMeta() || isMeta(), "Cannot copy out of meta tensor; no data!");
    source = source.sharesStorage(*this) ? source.to(dtype_).clone() : source.to(dtype_);
  } else {
    detail::checkFits(value.scalar(), dtype_);
    source = detail::operandAs(value, dtype_);
  }
  if (isMeta() || numelOf(g.resultShape) == 0) return;
  std::vector<std::byte*> dst = gatherAddresses(r, g);
  auto [src, srcBlock] = splitBlocks(source.expand(g.resultShape).permute(g.indexFirst), g.indexShape.size());
  copyBlocks(dst, restOfView(r), src, srcBlock);
}

}  // namespace hel
