// Operations on host tensors, with PyTorch's broadcasting, type promotion, device rules
// and error messages. Every op also takes meta tensors, for which it computes only the
// result's shape and dtype. Errors are hel::RuntimeError (runtime/Errors.h).
//
// Elementwise, reduction and scan ops are named by the enums of support/Ops.h (from
// support/Ops.def), so that one entry point serves every op of a kind.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "runtime/Tensor.h"
#include "support/Ops.h"

namespace hel {

// ---- elementwise ---------------------------------------------------------------------
Tensor unary(UnaryOp op, const Tensor& x);
// At least one operand must be a tensor.
Tensor binary(BinaryOp op, const Operand& a, const Operand& b);
// self op= other, in place (x += y): the result must keep self's shape and be castable
// to its dtype ("result type Float can't be cast to the desired output type Long").
void binaryInPlace(BinaryOp op, Tensor& self, const Operand& other);
// torch.where: condition must be bool; the result dtype promotes a and b.
Tensor where(const Tensor& condition, const Operand& a, const Operand& b);
// torch.clamp: minimum(maximum(x, min), max) with NaN propagated; at least one bound.
Tensor clamp(const Tensor& x, const std::optional<Operand>& min, const std::optional<Operand>& max);

// ---- reductions ----------------------------------------------------------------------
// Reduces over `dims`, or over every dim when dims is empty (PyTorch's dim=None, and
// its dim=[]). keepdim leaves reduced dims with size 1. `dtype` (sum, prod, mean)
// converts the input first. ArgMax/ArgMin take at most one dim; with none they index
// the flattened tensor. Max/Min give the values; maxMin gives values and indices.
Tensor reduce(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false,
              std::optional<DType> dtype = std::nullopt);
// torch.max(x, dim) / torch.min(x, dim): (values, int64 indices of the first extreme).
std::pair<Tensor, Tensor> maxMin(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim = false);
// cumsum / cumprod along dim.
Tensor scan(ScanOp op, const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);

// ---- normalization -------------------------------------------------------------------
// F.softmax / F.log_softmax along dim; floating inputs only.
Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor logSoftmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
// F.layer_norm over the trailing dims given by normalizedShape (computed in double);
// weight and bias (if defined) have that shape.
Tensor layerNorm(const Tensor& x, const Shape& normalizedShape, const Tensor& weight = Tensor(),
                 const Tensor& bias = Tensor(), double eps = 1e-5);

// ---- matrix products -----------------------------------------------------------------
// Accumulated in double (int64 for integers) and rounded once: at least as accurate as
// PyTorch's float32 BLAS.
// torch.matmul: 1-D and 2-D operands and batches with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
// beta * input + alpha * (a @ b), input broadcast to the product's shape.
Tensor addmm(const Tensor& input, const Tensor& a, const Tensor& b, Scalar beta = 1, Scalar alpha = 1);
Tensor baddbmm(const Tensor& input, const Tensor& a, const Tensor& b, Scalar beta = 1, Scalar alpha = 1);

// ---- shape ---------------------------------------------------------------------------
// F.pad in constant mode: pads = (last dim's before, after, the previous dim's before,
// after, ...); negative pads crop.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, Scalar value = 0.0);
// torch.cat (dtypes promote) and torch.stack.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);

}  // namespace hel
