// The CPU backend on the kernels lowering produces, against plain C++ references.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "tests/unit/backend/ExecutorTestUtil.h"
#include "tests/unit/lower/SampleKernels.h"

using namespace hel;
using namespace hel::tir;
using namespace hel::cpu::testing;
using hel::cpu::Argument;

namespace {

std::vector<float> randomFloats(size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(n);
  for (float& v : values) v = dist(rng);
  return values;
}

// out[row, j] = softmax(x[row, :])[j] for an m x n input: one program per row
// and three loops over column tiles of `block` (max, sum of exponentials, write).
std::unique_ptr<Kernel> softmax(int64_t m, int64_t n, int64_t block) {
  auto kernel = samples::newKernel("softmax", {{m, -1, 1}});
  Value* x = addParam(*kernel, Type::pointer(DType::Float32), "x");
  Value* out = addParam(*kernel, Type::pointer(DType::Float32), "out");
  IRBuilder b(kernel->body);
  Value* row = b.programId(0);
  Value* rowStart = b.binary(BinaryOp::Mul, row, b.index(n));
  Type scalar = Type::scalar(DType::Float32);
  // The columns of one tile, their offsets and mask.
  auto columns = [&](IRBuilder& body, Value* k) {
    Value* splat = body.splat(k, {block});
    Value* cols = body.binary(BinaryOp::Add, splat, body.arange(0, block));
    Value* mask = samples::below(body, cols, n);
    Value* offsets = body.binary(BinaryOp::Add, body.splat(rowStart, {block}), cols);
    return std::make_pair(offsets, mask);
  };
  Value* lo = b.index(0);
  Value* hi = b.index(n);
  Value* step = b.index(block);
  Value* negInf = b.constant(scalar, -INFINITY);
  Value* max = b.forLoop(lo, hi, step, {negInf}, [&](IRBuilder& body, Value* k, const Values& acc) {
    auto [offsets, mask] = columns(body, k);
    Value* tile = body.load(x, offsets, mask);
    Value* fill = body.constant(tile->type(), -INFINITY);
    Value* real = body.select(mask, tile, fill);
    return Values{body.binary(BinaryOp::Maximum, acc[0], body.reduce(ReduceOp::Max, real, 0))};
  })[0];
  Value* zero = b.constant(scalar, 0.0);
  Value* sum = b.forLoop(lo, hi, step, {zero}, [&](IRBuilder& body, Value* k, const Values& acc) {
    auto [offsets, mask] = columns(body, k);
    Value* tile = body.load(x, offsets, mask);
    Value* shifted = body.binary(BinaryOp::Sub, tile, body.splat(max, {block}));
    Value* exp = body.unary(UnaryOp::Exp, shifted);
    Value* real = body.select(mask, exp, body.constant(exp->type(), 0.0));
    return Values{body.binary(BinaryOp::Add, acc[0], body.reduce(ReduceOp::Sum, real, 0))};
  })[0];
  b.forLoop(lo, hi, step, {}, [&](IRBuilder& body, Value* k, const Values&) {
    auto [offsets, mask] = columns(body, k);
    Value* tile = body.load(x, offsets, mask);
    Value* shifted = body.binary(BinaryOp::Sub, tile, body.splat(max, {block}));
    Value* exp = body.unary(UnaryOp::Exp, shifted);
    body.store(out, offsets, body.binary(BinaryOp::Div, exp, body.splat(sum, {block})), mask);
    return Values{};
  });
  b.ret();
  return kernel;
}

// out[i, :] = table[indices[i], :] for rows of width `width`, tiles of `block`
// indices; the gather's only check is the tile's own bound on `indices`.
// Its ops carry locations in `source` (line 12: the gather, column 20).
std::unique_ptr<Kernel> gatherRows(int64_t rows, int64_t width, int64_t block, const SourceFile& source) {
  auto kernel = samples::newKernel("embedding", {{rows, -1, block}});
  Value* indices = addParam(*kernel, Type::pointer(DType::Int64), "indices");
  Value* table = addParam(*kernel, Type::pointer(DType::Float32), "table");
  Value* out = addParam(*kernel, Type::pointer(DType::Float32), "out");
  IRBuilder b(kernel->body);
  Value* tile = samples::tileIndices(b, 0, block);
  Value* mask = samples::below(b, tile, rows);
  Value* which = b.cast(b.load(indices, tile, mask), DType::Int32);
  Value* cols = b.arange(0, width);
  Value* tableOffsets = samples::offsets2d(b, which, width, cols);
  Value* mask2d = b.broadcast(b.expandDims(mask, 1), {block, width});
  uint32_t gather = static_cast<uint32_t>(source.text().find("table[idx"));
  b.setLocation({&source, gather, gather + 14});
  Value* values = b.load(table, tableOffsets, mask2d);
  b.setLocation({});
  b.store(out, samples::offsets2d(b, tile, width, cols), values, mask2d);
  b.ret();
  return kernel;
}

// bins[x[i]] += 1 with atomics, for n values in tiles of `block`.
std::unique_ptr<Kernel> histogram(int64_t n, int64_t block) {
  auto kernel = samples::newKernel("histogram", {{n, -1, block}});
  Value* x = addParam(*kernel, Type::pointer(DType::Int32), "x");
  Value* bins = addParam(*kernel, Type::pointer(DType::Int32), "bins");
  IRBuilder b(kernel->body);
  Value* index = samples::tileIndices(b, 0, block);
  Value* mask = samples::below(b, index, n);
  Value* values = b.load(x, index, mask);
  b.atomic("add", bins, values, b.constant(values->type(), 1), mask);
  b.ret();
  return kernel;
}

}  // namespace

TEST_CASE("vector add with a partial last tile touches exactly the real elements") {
  const int64_t n = 1000;  // 31 full tiles of 32 and one of 8
  std::vector<float> x = randomFloats(n, 1), y = randomFloats(n, 2);
  RunResult result = run(*samples::vectorAdd(n, 32), {Buffer::of(x), Buffer::of(y), Buffer::zeros(DType::Float32, n)});
  REQUIRE(result.ok);
  std::vector<float> out = result.buffer(2).values<float>();
  for (int64_t i = 0; i < n; ++i) REQUIRE(out[i] == x[i] + y[i]);
}

TEST_CASE("outer add on a 2-D grid with partial tiles along both dims") {
  const int64_t m = 100, n = 70;
  std::vector<float> x = randomFloats(m, 3), y = randomFloats(n, 4);
  RunResult result =
      run(*samples::outerAdd(m, n, 16, 32), {Buffer::of(x), Buffer::of(y), Buffer::zeros(DType::Float32, m * n)});
  REQUIRE(result.ok);
  std::vector<float> out = result.buffer(2).values<float>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) REQUIRE(out[i * n + j] == x[i] + y[j]);
}

TEST_CASE("row reductions with a loop-carried accumulator: masked lanes never contribute") {
  const int64_t m = 50, n = 1000, bm = 8, bn = 128;  // partial tiles along both dims
  // All negative: a masked lane reading 0 would win the max.
  std::vector<float> x = randomFloats(m * n, 5, -3.0f, -1.0f);
  RunResult sums =
      run(*samples::rowReduce(ReduceOp::Sum, m, n, bm, bn), {Buffer::of(x), Buffer::zeros(DType::Float32, m)});
  RunResult maxes =
      run(*samples::rowReduce(ReduceOp::Max, m, n, bm, bn), {Buffer::of(x), Buffer::zeros(DType::Float32, m)});
  RunResult mins =
      run(*samples::rowReduce(ReduceOp::Min, m, n, bm, bn), {Buffer::of(x), Buffer::zeros(DType::Float32, m)});
  REQUIRE((sums.ok && maxes.ok && mins.ok));
  for (int64_t i = 0; i < m; ++i) {
    // The kernel's order: each tile summed in double, rounded, added in float.
    float sum = 0.0f, max = -INFINITY, min = INFINITY;
    for (int64_t k = 0; k < n; k += bn) {
      double part = 0.0;
      for (int64_t j = k; j < std::min(k + bn, n); ++j) {
        part += x[i * n + j];
        max = std::max(max, x[i * n + j]);
        min = std::min(min, x[i * n + j]);
      }
      sum += static_cast<float>(part);
    }
    REQUIRE(sums.buffer(1).values<float>()[i] == sum);
    REQUIRE(maxes.buffer(1).values<float>()[i] == max);
    REQUIRE(mins.buffer(1).values<float>()[i] == min);
  }
}

TEST_CASE("softmax in three loops over column tiles") {
  const int64_t m = 7, n = 300;
  std::vector<float> x = randomFloats(m * n, 6, -5.0f, 5.0f);
  RunResult result = run(*softmax(m, n, 64), {Buffer::of(x), Buffer::zeros(DType::Float32, m * n)});
  REQUIRE(result.ok);
  std::vector<float> out = result.buffer(1).values<float>();
  for (int64_t i = 0; i < m; ++i) {
    double max = -INFINITY, sum = 0.0;
    for (int64_t j = 0; j < n; ++j) max = std::max<double>(max, x[i * n + j]);
    for (int64_t j = 0; j < n; ++j) sum += std::exp(x[i * n + j] - max);
    for (int64_t j = 0; j < n; ++j) REQUIRE(out[i * n + j] == Approx(std::exp(x[i * n + j] - max) / sum).epsilon(1e-5));
  }
}

TEST_CASE("matmul with a K loop of dots equals the naive float loop exactly") {
  const int64_t M = 100, N = 70, K = 50;  // partial tiles in M, N and K
  std::vector<float> a = randomFloats(M * K, 7), bm = randomFloats(K * N, 8);
  RunResult result =
      run(*samples::matmul(M, N, K, 32, 32, 16), {Buffer::of(a), Buffer::of(bm), Buffer::zeros(DType::Float32, M * N)});
  REQUIRE(result.ok);
  std::vector<float> c = result.buffer(2).values<float>();
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k) acc += a[i * K + k] * bm[k * N + j];
      REQUIRE(c[i * N + j] == acc);
    }
  }
}

TEST_CASE("a gather with an index out of range stops at the op's source location") {
  SourceFile source("fail.hel", std::string(11, '\n') + "        out[t, :] = table[idx[t], :]\n");
  const int64_t rows = 40, width = 16;
  std::vector<int64_t> indices(rows);
  for (int64_t i = 0; i < rows; ++i) indices[i] = (i * 7) % 40;
  std::vector<float> table = randomFloats(40 * width, 9);
  auto kernel = gatherRows(rows, width, 16, source);
  RunResult good = run(*kernel, {Buffer::of(indices), Buffer::of(table), Buffer::zeros(DType::Float32, rows * width)});
  REQUIRE(good.ok);
  std::vector<float> out = good.buffer(2).values<float>();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < width; ++j) REQUIRE(out[i * width + j] == table[indices[i] * width + j]);

  indices[33] = 62;  // row 62 of a 40-row table: element 62 * 16 = 992 of 640
  RunResult bad =
      runOnce(*kernel, {Buffer::of(indices), Buffer::of(table), Buffer::zeros(DType::Float32, rows * width)});
  REQUIRE(!bad.ok);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0] ==
        "fail.hel:12:21: error: out-of-bounds load from 'table': element 992 of 640\n"
        "        out[t, :] = table[idx[t], :]\n"
        "                    ^~~~~~~~~~~~~~\n");
  // Rows before the faulty one's program were written; its program wrote nothing.
  std::vector<float> partial = bad.buffer(2).values<float>();
  CHECK(partial[31 * width] == table[indices[31] * width]);
  CHECK(partial[32 * width] == 0.0f);
}

TEST_CASE("an atomic_add histogram counts every value once") {
  const int64_t n = 1000, bins = 17;
  std::vector<int32_t> x(n);
  std::vector<int32_t> expected(bins, 0);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = static_cast<int32_t>((i * i + 3 * i) % bins);
    ++expected[x[i]];
  }
  RunResult result = run(*histogram(n, 64), {Buffer::of(x), Buffer::zeros(DType::Int32, bins)});
  REQUIRE(result.ok);
  CHECK(result.buffer(1).values<int32_t>() == expected);
}
