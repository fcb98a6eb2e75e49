// Reductions (sum, mean, max, argmax, ...) and scans (cumsum, cumprod).
#include <cstring>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/TensorOps.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

template <class T>
scalar::OpMath<T> load(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return static_cast<scalar::OpMath<T>>(value);
}

template <class T>
void store(std::byte* p, T value) {
  std::memcpy(p, &value, sizeof(T));
}

// Which dims of a rank-`rank` tensor `dims` names; all of them when dims is empty.
std::vector<bool> reducedDims(const std::vector<int64_t>& dims, int64_t rank) {
  std::vector<bool> reduced(static_cast<size_t>(rank), dims.empty());
  for (int64_t dim : dims) {
    int64_t d = wrapDim(dim, rank);
    if (rank == 0) continue;
    check(!reduced[d], "dim {} appears multiple times in the list of dims", d);
    reduced[d] = true;
  }
  return reduced;
}

// The shape with reduced dims of size 1 (keepdim) or removed.
Shape reducedShape(const Shape& shape, const std::vector<bool>& reduced, bool keepdim) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!reduced[d]) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// max, min, argmax, ... have no value on an empty set.
void checkNonEmpty(std::string_view name, const Shape& shape, const std::vector<bool>& reduced, bool allDims) {
  if (allDims) {
    check(numelOf(shape) != 0,
          "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
          "'dim' argument.",
          name);
    return;
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    check(!reduced[d] || shape[d] != 0, "{}(): Expected reduction dim {} to have non-zero size.", name, d);
  }
}

// Folds every element of `input` into an accumulator per output element (kept shape:
// reduced dims of size 1), in the input's memory order. Returns the accumulators.
template <ReduceOp Op, class T>
Tensor accumulate(const Tensor& input, const Shape& keptShape) {
  using C = scalar::OpMath<T>;
  using A = scalar::ReduceAcc<Op, C>;
  Tensor acc = Tensor::empty(keptShape, dtypeOf<A>());
  detail::mapLoop<A>(acc, {}, [] { return scalar::reduceIdentity<Op, A>(); });
  Tensor accView = acc.expand(input.shape());
  detail::LoopPlan plan = detail::planLoop(input.shape(), {&input, &accView});
  std::byte* bases[] = {input.data(), acc.data()};
  detail::runLoop(plan, bases, [](std::byte* const* p, int64_t n, const int64_t* s) {
    if (s[1] == 0) {
      // One accumulator for the whole run: keep it in a register.
      A a;
      std::memcpy(&a, p[1], sizeof a);
      if (s[0] == sizeof(T)) {
        const T* in = reinterpret_cast<const T*>(p[0]);
        for (int64_t i = 0; i < n; ++i) a = scalar::reduceCombine<Op, A>(a, static_cast<A>(static_cast<C>(in[i])));
      } else {
        for (int64_t i = 0; i < n; ++i) a = scalar::reduceCombine<Op, A>(a, static_cast<A>(load<T>(p[0] + i * s[0])));
      }
      std::memcpy(p[1], &a, sizeof a);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        std::byte* slot = p[1] + i * s[1];
        A a;
        std::memcpy(&a, slot, sizeof a);
        store(slot, scalar::reduceCombine<Op, A>(a, static_cast<A>(load<T>(p[0] + i * s[0]))));
      }
    }
  });
  return acc;
}

// Values and indices of the first extreme along the last dim; values and indices have
// the input's shape with stride 0 along it.
template <ReduceOp ArgOp, class T>
void argExtremes(const Tensor& input, const Tensor& values, const Tensor& indices) {
  detail::forEachLane(input.shape(), input.dim() - 1, {&input, &values, &indices},
                      [](std::byte* const* p, const int64_t* s, int64_t n) {
                        scalar::OpMath<T> best = load<T>(p[0]);
                        int64_t bestIndex = 0;
                        for (int64_t j = 1; j < n; ++j) {
                          scalar::OpMath<T> v = load<T>(p[0] + j * s[0]);
                          if (scalar::argReplaces<ArgOp>(v, best)) {
                            best = v;
                            bestIndex = j;
                          }
                        }
                        store(p[1], scalar::convert<T>(best));
                        store(p[2], bestIndex);
                      });
}

// argmax/argmin (op) or max/min with indices along one dim.
std::pair<Tensor, Tensor> extremesAlong(ReduceOp argOp, std::string_view name, const Tensor& input, int64_t dim,
                                        bool keepdim) {
  Shape kept = input.shape();
  kept[dim] = 1;
  std::vector<bool> reduced(static_cast<size_t>(input.dim()));
  reduced[dim] = true;
  checkNonEmpty(name, input.shape(), reduced, false);
  Tensor values = Tensor::empty(kept, input.dtype(), input.device());
  Tensor indices = Tensor::empty(kept, DType::Int64, input.device());
  if (!input.isMeta()) {
    Tensor in = detail::movedLast(input, dim).contiguous();
    Tensor valuesView = detail::movedLast(values.expand(input.shape()), dim);
    Tensor indicesView = detail::movedLast(indices.expand(input.shape()), dim);
    visitDType(input.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (argOp == ReduceOp::ArgMax) argExtremes<ReduceOp::ArgMax, T>(in, valuesView, indicesView);
      else argExtremes<ReduceOp::ArgMin, T>(in, valuesView, indicesView);
    });
  }
  if (!keepdim) return {values.squeeze(dim), indices.squeeze(dim)};
  return {values, indices};
}

ReduceOp argOpOf(ReduceOp op) {
  return op == ReduceOp::ArgMax || op == ReduceOp::Max || op == ReduceOp::AMax ? ReduceOp::ArgMax : ReduceOp::ArgMin;
}

Tensor argReduce(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  std::string_view name = opInfo(op).name;
  check(dims.size() <= 1, "{}(): expected a single dim, got {}", name, dims.size());
  if (!dims.empty() && x.dim() > 0) return extremesAlong(op, name, x, wrapDim(dims[0], x.dim()), keepdim).second;
  if (!dims.empty()) wrapDim(dims[0], 0);
  // No dim (or a 0-dim tensor): the index into the flattened tensor.
  checkNonEmpty(name, x.shape(), {}, true);
  Tensor index = extremesAlong(op, name, x.reshape({-1}), 0, false).second;
  return keepdim ? index.reshape(Shape(x.shape().size(), 1)) : index;
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
              std::optional<DType> dtype) {
  const ReduceOpInfo& info = opInfo(op);
  if (dtype) {
    check(info.rule == ReduceRule::Accumulate || info.rule == ReduceRule::Mean, "{}() does not take a dtype",
          info.name);
  }
  Tensor input = dtype ? x.to(*dtype) : x;
  std::optional<DType> resultDType = reduceResultDType(info.rule, input.dtype());
  if (!resultDType) detail::failUnsupportedDType(info.name, input.dtype());
  if (info.rule == ReduceRule::Index) return argReduce(op, input, dims, keepdim);

  std::vector<bool> reduced = reducedDims(dims, input.dim());
  if (info.rule == ReduceRule::Keep) checkNonEmpty(info.name, input.shape(), reduced, dims.empty());
  Shape kept = reducedShape(input.shape(), reduced, /*keepdim=*/true);
  Shape resultShape = reducedShape(input.shape(), reduced, keepdim);
  if (input.isMeta()) return Tensor::empty(resultShape, *resultDType, input.device());

  Tensor acc = visitDType(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return withReduceOp(op, [&](auto opConstant) -> Tensor {
      constexpr ReduceOp Op = decltype(opConstant)::value;
      if constexpr (Op == ReduceOp::ArgMax || Op == ReduceOp::ArgMin) return Tensor();  // handled above
      else return accumulate<Op, T>(input, kept);
    });
  });
  if (op == ReduceOp::Mean) {
    double count = static_cast<double>(input.numel()) / static_cast<double>(std::max<int64_t>(acc.numel(), 1));
    detail::mapLoop<double, double>(acc, {&acc}, [count](double sum) { return sum / count; });
  }
  return acc.to(*resultDType).to(input.device()).reshape(resultShape);
}

std::pair<Tensor, Tensor> maxMin(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim) {
  check(op == ReduceOp::Max || op == ReduceOp::Min, "maxMin() takes max or min, not {}", opInfo(op).name);
  if (x.dim() == 0) {
    // A 0-dim tensor is its own max, at index 0.
    wrapDim(dim, 0);
    Tensor index = Tensor::empty({}, DType::Int64, x.device());
    return {x.clone(), index};
  }
  return extremesAlong(argOpOf(op), opInfo(op).name, x, wrapDim(dim, x.dim()), keepdim);
}

Tensor scan(ScanOp op, const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  const ScanOpInfo& info = opInfo(op);
  Tensor input = dtype ? x.to(*dtype) : x;
  dim = wrapDim(dim, input.dim());
  DType resultDType = *reduceResultDType(info.rule, input.dtype());
  if (input.isMeta()) return Tensor::empty(input.shape(), resultDType, input.device());
  // A 0-dim tensor scans as one element.
  Tensor in = detail::movedLast(input.dim() == 0 ? input.reshape({1}) : input, dim).contiguous();
  Tensor result = Tensor::empty(in.shape(), resultDType, input.device());
  visitDType(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = scalar::OpMath<T>;
    withScanOp(op, [&](auto opConstant) {
      constexpr ReduceOp Combine = opInfo(decltype(opConstant)::value).combine;
      using A = scalar::ReduceAcc<Combine, C>;
      using R = std::conditional_t<scalar::kIsFloat<C>, T, int64_t>;
      auto scanLane = [](std::byte* const* p, const int64_t* s, int64_t n) {
        A acc = scalar::reduceIdentity<Combine, A>();
        for (int64_t j = 0; j < n; ++j) {
          acc = scalar::reduceCombine<Combine, A>(acc, static_cast<A>(load<T>(p[0] + j * s[0])));
          store(p[1] + j * s[1], scalar::convert<R>(acc));
        }
      };
      detail::forEachLane(in.shape(), in.dim() - 1, {&in, &result}, scanLane);
    });
  });
  return detail::movedBack(result, dim).contiguous().reshape(input.shape());
}

}  // namespace hel
