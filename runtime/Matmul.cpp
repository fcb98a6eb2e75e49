// Matrix products: matmul, mm, bmm, addmm, baddbmm.
#include <algorithm>
#include <cstring>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/TensorOps.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

// Products accumulate in double for floating inputs and in int64 (wrapping) for
// integers; this is the dtype of the unrounded product.
DType accumulatorDType(DType dtype) { return isFloating(dtype) ? DType::Float64 : DType::Int64; }

void checkOperands(const Tensor& a, const Tensor& b) {
  check(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: {} != {}", dtypeCppName(a.dtype()),
        dtypeCppName(b.dtype()));
  if (a.dtype() == DType::Bool) detail::failUnsupportedDType("matmul", a.dtype());
  detail::commonDevice({&a, &b});
}

// out[B, M, N] (the accumulator dtype) = a[B, M, K] @ b[B, K, N], any strides.
template <class T, class Acc>
void productKernel(const Tensor& out, const Tensor& a, const Tensor& b) {
  int64_t batches = a.shape()[0], m = a.shape()[1], k = a.shape()[2], n = b.shape()[2];
  auto element = [](const Tensor& t, int64_t i, int64_t j, int64_t l) {
    const std::byte* p = t.data() + (i * t.strides()[0] + j * t.strides()[1] + l * t.strides()[2]) *
                                          static_cast<int64_t>(sizeof(T));
    T value;
    std::memcpy(&value, p, sizeof(T));
    return scalar::convert<Acc>(value);
  };
  std::vector<Acc> rhs(static_cast<size_t>(k * n));
  for (int64_t batch = 0; batch < batches; ++batch) {
    // The right operand as a contiguous matrix of accumulators: the inner loop below
    // then runs over contiguous memory and vectorizes.
    for (int64_t l = 0; l < k; ++l) {
      for (int64_t j = 0; j < n; ++j) rhs[l * n + j] = element(b, batch, l, j);
    }
    for (int64_t i = 0; i < m; ++i) {
      Acc* row = out.data<Acc>() + (batch * m + i) * n;
      std::fill(row, row + n, Acc(0));
      for (int64_t l = 0; l < k; ++l) {
        Acc left = element(a, batch, i, l);
        const Acc* right = rhs.data() + l * n;
        if constexpr (std::is_floating_point_v<Acc>) {
          for (int64_t j = 0; j < n; ++j) row[j] += left * right[j];
        } else {
          for (int64_t j = 0; j < n; ++j) row[j] = scalar::add(row[j], scalar::mul(left, right[j]));
        }
      }
    }
  }
}

// The unrounded product of a[B, M, K] and b[B, K, N] (shapes already checked), on
// their device.
Tensor product(const Tensor& a, const Tensor& b) {
  DType acc = accumulatorDType(a.dtype());
  Tensor out = Tensor::empty({a.shape()[0], a.shape()[1], b.shape()[2]}, acc, a.device());
  if (out.isMeta()) return out;
  visitDType(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (acc == DType::Float64) productKernel<T, double>(out, a, b);
    else productKernel<T, int64_t>(out, a, b);
  });
  return out;
}

void checkBatchShapes(const Tensor& a, const Tensor& b) {
  check(b.shape()[0] == a.shape()[0] && b.shape()[1] == a.shape()[2],
        "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].", a.shape()[0],
        a.shape()[2], b.shape()[0], b.shape()[1]);
}

void checkMatrixShapes(const Tensor& a, const Tensor& b) {
  if (a.shape()[1] != b.shape()[0]) {
    fail("mat1 and mat2 shapes cannot be multiplied ({} and {})", matrixStr(a.shape()), matrixStr(b.shape()));
  }
}

// beta * input + alpha * p, rounded once to dtype.
Tensor scaleAndAdd(const Tensor& input, const Tensor& p, Scalar beta, Scalar alpha, DType dtype) {
  Tensor sum = alpha.toDouble() == 1 ? p : binary(BinaryOp::Mul, p, alpha);
  // PyTorch ignores input entirely (NaN included) when beta is 0.
  if (beta.toDouble() != 0) {
    Tensor scaled = input.to(p.dtype()).expand(p.shape());
    if (beta.toDouble() != 1) scaled = binary(BinaryOp::Mul, scaled, beta);
    sum = binary(BinaryOp::Add, sum, scaled);
  }
  return sum.to(dtype);
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check(a.dim() == 2, "self must be a matrix");
  check(b.dim() == 2, "mat2 must be a matrix");
  checkOperands(a, b);
  checkMatrixShapes(a, b);
  return product(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0).to(a.dtype());
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check(a.dim() == 3, "batch1 must be a 3D tensor");
  check(b.dim() == 3, "batch2 must be a 3D tensor");
  checkOperands(a, b);
  checkBatchShapes(a, b);
  return product(a, b).to(a.dtype());
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check(a.dim() > 0 && b.dim() > 0, "both arguments to matmul need to be at least 1D, but they are {}D and {}D",
        a.dim(), b.dim());
  checkOperands(a, b);
  if (a.dim() == 1 && b.dim() == 1) {
    check(a.numel() == b.numel(),
          "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} "
          "and {} elements respectively",
          a.numel(), b.numel(), a.numel(), b.numel());
  } else if (a.dim() <= 2 && b.dim() == 1) {
    if (a.shape().back() != b.numel()) {
      fail("size mismatch, got input ({}), mat ({}), vec ({})", a.shape()[0], matrixStr(a.shape()), b.numel());
    }
  } else if (a.dim() <= 2 && b.dim() <= 2) {
    checkMatrixShapes(a.dim() == 1 ? a.unsqueeze(0) : a, b);
  }
  // 1-D operands become matrices (a row, b a column) and lose that dim again at the end.
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor b2 = b.dim() == 1 ? b.unsqueeze(-1) : b;
  Shape batchA(a2.shape().begin(), a2.shape().end() - 2), batchB(b2.shape().begin(), b2.shape().end() - 2);
  Shape batch = broadcastShapes(batchA, batchB);
  int64_t m = a2.shape()[a2.dim() - 2], k = a2.shape().back(), n = b2.shape().back();
  int64_t batches = numelOf(batch);
  Shape aShape = batch, bShape = batch;
  aShape.insert(aShape.end(), {m, k});
  bShape.insert(bShape.end(), {b2.shape()[b2.dim() - 2], n});
  Tensor a3 = a2.expand(aShape).reshape({batches, m, k});
  Tensor b3 = b2.expand(bShape).reshape({batches, bShape[bShape.size() - 2], n});
  checkBatchShapes(a3, b3);
  Shape outShape = batch;
  if (a.dim() > 1) outShape.push_back(m);
  if (b.dim() > 1) outShape.push_back(n);
  return product(a3, b3).to(a.dtype()).reshape(outShape);
}

Tensor addmm(const Tensor& input, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  check(a.dim() == 2, "mat1 must be a matrix, got {}-D tensor", a.dim());
  check(b.dim() == 2, "mat2 must be a matrix, got {}-D tensor", b.dim());
  checkOperands(a, b);
  check(input.dtype() == a.dtype(), "self and mat2 must have the same dtype, but got {} and {}",
        dtypeScalarTypeName(input.dtype()), dtypeScalarTypeName(a.dtype()));
  detail::commonDevice({&input, &a});
  checkMatrixShapes(a, b);
  return scaleAndAdd(input, product(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0), beta, alpha, a.dtype());
}

Tensor baddbmm(const Tensor& input, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  check(a.dim() == 3, "batch1 must be a 3D tensor");
  check(b.dim() == 3, "batch2 must be a 3D tensor");
  checkOperands(a, b);
  check(input.dtype() == a.dtype(), "self and batch2 must have the same dtype, but got {} and {}",
        dtypeScalarTypeName(input.dtype()), dtypeScalarTypeName(a.dtype()));
  detail::commonDevice({&input, &a});
  checkBatchShapes(a, b);
  return scaleAndAdd(input, product(a, b), beta, alpha, a.dtype());
}

}  // namespace hel
