// Kernels built with the IRBuilder, shaped like what lowering produces for the
// puzzles: the tile IR tests print and parse them, the CPU backend tests run them.
// Builder calls are sequenced one per statement where several build ops, since
// C++ leaves the order of evaluating arguments open.
#pragma once

#include <cmath>
#include <limits>
#include <memory>

#include "lower/IRBuilder.h"

namespace hel::tir::samples {

inline std::unique_ptr<Kernel> newKernel(const std::string& name, std::vector<GridAxis> grid) {
  auto kernel = std::make_unique<Kernel>();
  kernel->name = name;
  kernel->launch.grid = std::move(grid);
  return kernel;
}

// The indices of this program's tile along grid axis `axis`: pid * block + arange(block).
inline Value* tileIndices(IRBuilder& b, int64_t axis, int64_t block) {
  Value* pid = b.programId(axis);
  Value* begin = b.binary(BinaryOp::Mul, pid, b.index(block));
  Value* splat = b.splat(begin, {block});
  return b.binary(BinaryOp::Add, splat, b.arange(0, block));
}

// indices < n, lane by lane.
inline Value* below(IRBuilder& b, Value* indices, int64_t n) {
  return b.binary(BinaryOp::Lt, indices, b.constant(indices->type(), static_cast<double>(n)));
}

// op(column[:, None], row[None, :]) as an <M x N> tile.
inline Value* outer(IRBuilder& b, BinaryOp op, Value* column, Value* row) {
  Shape shape{column->type().shape[0], row->type().shape[0]};
  Value* left = b.broadcast(b.expandDims(column, 1), shape);
  Value* right = b.broadcast(b.expandDims(row, 0), shape);
  return b.binary(op, left, right);
}

// rows[:, None] * stride + columns[None, :]
inline Value* offsets2d(IRBuilder& b, Value* rows, int64_t stride, Value* columns) {
  Value* scaled = b.binary(BinaryOp::Mul, rows, b.constant(rows->type(), static_cast<double>(stride)));
  return outer(b, BinaryOp::Add, scaled, columns);
}

// out[i] = x[i] + y[i] over n elements (the last tile partial unless block divides n).
inline std::unique_ptr<Kernel> vectorAdd(int64_t n, int64_t block) {
  auto kernel = newKernel("vector_add", {{n, -1, block}});
  Type f32 = Type::pointer(DType::Float32);
  Value* x = addParam(*kernel, f32, "x");
  Value* y = addParam(*kernel, f32, "y");
  Value* out = addParam(*kernel, f32, "out");
  IRBuilder b(kernel->body);
  Value* index = tileIndices(b, 0, block);
  index->setNameHint("index");
  Value* mask = below(b, index, n);
  Value* xs = b.load(x, index, mask);
  Value* sum = b.binary(BinaryOp::Add, xs, b.load(y, index, mask));
  b.store(out, index, sum, mask);
  b.ret();
  return kernel;
}

// out[i, j] = x[i] + y[j] for an m x n output, tiles bm x bn on a 2-D grid.
inline std::unique_ptr<Kernel> outerAdd(int64_t m, int64_t n, int64_t bm, int64_t bn) {
  auto kernel = newKernel("outer_add", {{m, -1, bm}, {n, -1, bn}});
  Type f32 = Type::pointer(DType::Float32);
  Value* x = addParam(*kernel, f32, "x");
  Value* y = addParam(*kernel, f32, "y");
  Value* out = addParam(*kernel, f32, "out");
  IRBuilder b(kernel->body);
  Value* rows = tileIndices(b, 0, bm);
  Value* cols = tileIndices(b, 1, bn);
  Value* rowMask = below(b, rows, m);
  Value* colMask = below(b, cols, n);
  Value* xs = b.load(x, rows, rowMask);
  Value* sum = outer(b, BinaryOp::Add, xs, b.load(y, cols, colMask));
  Value* offsets = offsets2d(b, rows, n, cols);
  b.store(out, offsets, sum, outer(b, BinaryOp::LogicalAnd, rowMask, colMask));
  b.ret();
  return kernel;
}

// The identity of sum, max and min on f32, for masked-off lanes.
inline double identity(ReduceOp op) {
  if (op == ReduceOp::Max) return -std::numeric_limits<double>::infinity();
  if (op == ReduceOp::Min) return std::numeric_limits<double>::infinity();
  return 0.0;
}

// out[i] = op over j of x[i, j] (sum, max or min) for an m x n input: a loop
// over column tiles of bn with a loop-carried <bm> accumulator; masked lanes
// are replaced by the op's identity before reducing.
inline std::unique_ptr<Kernel> rowReduce(ReduceOp op, int64_t m, int64_t n, int64_t bm, int64_t bn) {
  auto kernel = newKernel("row_reduce", {{m, -1, bm}});
  Type f32 = Type::pointer(DType::Float32);
  Value* x = addParam(*kernel, f32, "x");
  Value* out = addParam(*kernel, f32, "out");
  IRBuilder b(kernel->body);
  Value* rows = tileIndices(b, 0, bm);
  Value* rowMask = below(b, rows, m);
  Value* init = b.constant(Type::tile(DType::Float32, {bm}), identity(op));
  BinaryOp combine = op == ReduceOp::Sum ? BinaryOp::Add : op == ReduceOp::Max ? BinaryOp::Maximum : BinaryOp::Minimum;
  Value* lo = b.index(0);
  Value* hi = b.index(n);
  Value* step = b.index(bn);
  Value* result = b.forLoop(lo, hi, step, {init}, [&](IRBuilder& body, Value* k, const Values& acc) {
    Value* splat = body.splat(k, {bn});
    Value* cols = body.binary(BinaryOp::Add, splat, body.arange(0, bn));
    Value* mask = outer(body, BinaryOp::LogicalAnd, rowMask, below(body, cols, n));
    Value* tile = body.load(x, offsets2d(body, rows, n, cols), mask);
    Value* fill = body.constant(tile->type(), identity(op));
    Value* real = body.select(mask, tile, fill);
    return Values{body.binary(combine, acc[0], body.reduce(op, real, 1))};
  })[0];
  result->setNameHint("acc");
  b.store(out, rows, result, rowMask);
  b.ret();
  return kernel;
}

// c = a @ b for a: M x K, b: K x N, f32, with a K loop of dots.
inline std::unique_ptr<Kernel> matmul(int64_t M, int64_t N, int64_t K, int64_t bm, int64_t bn, int64_t bk) {
  auto kernel = newKernel("matmul", {{M, -1, bm}, {N, -1, bn}});
  Type f32 = Type::pointer(DType::Float32);
  Value* a = addParam(*kernel, f32, "a");
  Value* bMatrix = addParam(*kernel, f32, "b");
  Value* c = addParam(*kernel, f32, "c");
  IRBuilder b(kernel->body);
  Value* rows = tileIndices(b, 0, bm);
  Value* cols = tileIndices(b, 1, bn);
  Value* rowMask = below(b, rows, M);
  Value* colMask = below(b, cols, N);
  Value* zero = b.constant(Type::tile(DType::Float32, {bm, bn}), 0.0);
  Value* lo = b.index(0);
  Value* hi = b.index(K);
  Value* step = b.index(bk);
  Value* acc = b.forLoop(lo, hi, step, {zero}, [&](IRBuilder& body, Value* k, const Values& iters) {
    Value* splat = body.splat(k, {bk});
    Value* ks = body.binary(BinaryOp::Add, splat, body.arange(0, bk));
    Value* kMask = below(body, ks, K);
    Value* aOffsets = offsets2d(body, rows, K, ks);
    Value* aTile = body.load(a, aOffsets, outer(body, BinaryOp::LogicalAnd, rowMask, kMask));
    Value* bOffsets = offsets2d(body, ks, N, cols);
    Value* bTile = body.load(bMatrix, bOffsets, outer(body, BinaryOp::LogicalAnd, kMask, colMask));
    return Values{body.dot(aTile, bTile, iters[0])};
  })[0];
  Value* offsets = offsets2d(b, rows, N, cols);
  b.store(c, offsets, acc, outer(b, BinaryOp::LogicalAnd, rowMask, colMask));
  b.ret();
  return kernel;
}

}  // namespace hel::tir::samples
