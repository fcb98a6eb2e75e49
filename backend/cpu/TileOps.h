// Whole-tile computations of the CPU backend: each function switches once on
// the op and the dtype, then runs a tight typed loop over flat row-major
// arrays, calling the scalar functions of support/ScalarOps.h.
//
// Tile values are held in their compute representation, Repr<T>: the dtype's
// own C++ type, except float16 and bfloat16, held as float values that are
// always rounded to the 16-bit format (PyTorch computes them in float and
// rounds each result when stored).
#pragma once

#include <cstdint>
#include <vector>

#include "lower/IR.h"
#include "support/Ops.h"
#include "support/ScalarOps.h"

namespace hel::cpu {

template <class T>
using Repr = scalar::OpMath<T>;

// A result computed in Repr<T>, rounded to what T can hold.
template <class T>
Repr<T> rounded(Repr<T> value) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return static_cast<float>(T(value));
  else return value;
}

// Bytes of one element of `dtype` in its representation.
size_t reprSize(DType dtype);

// `n` copies of a constant attribute's value (int64 or double) in `dtype`.
void fillConstant(DType dtype, const tir::Attribute& value, void* out, int64_t n);

// Elementwise ops on `n` elements; the result is Bool for predicates and
// comparisons, else `dtype`. Integer floor_divide/remainder by zero throws
// scalar::ZeroDivisionError.
void unaryTile(UnaryOp op, DType dtype, const void* x, void* out, int64_t n);
void binaryTile(BinaryOp op, DType dtype, const void* a, const void* b, void* out, int64_t n);
void castTile(DType from, DType to, const void* x, void* out, int64_t n);
// out[i] = condition[scalarCondition ? 0 : i] ? a[i] : b[i].
void selectTile(size_t elementSize, const bool* condition, bool scalarCondition, const void* a, const void* b,
                void* out, int64_t n);

// Materializes a broadcast (each input dim equal to the output's or 1) and a
// permutation (output dim i is input dim order[i]).
void broadcastTile(size_t elementSize, const std::vector<int64_t>& inShape, const std::vector<int64_t>& outShape,
                   const void* x, void* out);
void permuteTile(size_t elementSize, const std::vector<int64_t>& inShape, const std::vector<int64_t>& order,
                 const void* x, void* out);

// Reduces the middle dim of an [outer, length, inner] tile, combining in index
// order (sums and products in double for floats, int64 for integers, as host
// tensors do); argmax/argmin give int64 indices, the first on ties.
void reduceTile(ReduceOp op, DType dtype, int64_t outer, int64_t length, int64_t inner, const void* x, void* out);
// Inclusive scan of the middle dim, with the accumulators of reduceTile.
void scanTile(ScanOp op, DType dtype, int64_t outer, int64_t length, int64_t inner, const void* x, void* out);

enum class DotPrecision { IEEE, TF32, TF32x3 };
// out = acc + a @ b for `batch` products of [m x k] @ [k x n], computed in the
// accumulator's dtype (16-bit accumulators are rounded once at the end); tf32
// rounds float32 inputs to 10 mantissa bits first, tf32x3 is as exact as ieee.
void dotTile(DType inputs, DType accumulator, DotPrecision precision, int64_t batch, int64_t m, int64_t n, int64_t k,
             const void* a, const void* b, const void* acc, void* out);

}  // namespace hel::cpu
