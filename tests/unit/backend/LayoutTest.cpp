// The GPU backend's layouts: the canonical bit maps, slices, permutes, and
// the layouts LayoutAssignment gives a softmax-like kernel.
#include <catch2/catch.hpp>

#include "backend/nvptx/Layout.h"
#include "backend/nvptx/LayoutAssignment.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::nvptx;

TEST_CASE("canonical layouts vectorize, then spread over lanes and warps") {
  // 128 threads (7 thread bits), 32x64 elements (11 bits): 4 per vector, then
  // the 7 thread bits, then two more register bits.
  Layout layout = canonicalLayout({32, 64}, 7);
  CHECK(layout.str() == "[r r t0 t1 t2 t3 t4 t5 t6 r r]");
  CHECK(layout.slots() == 16);
  CHECK(layout.replicatedThreadMask() == 0);
  // Slot 5 = register bits 0 and 2: element bits 0 and 9.
  CHECK(layout.elementBitsOfSlot(5) == (1 | 512));
  CHECK(layout.slotOfElement(1 | 512 | 4) == 5);
}

TEST_CASE("small tiles replicate over the threads they do not fill") {
  Layout layout = canonicalLayout({32}, 7);
  CHECK(layout.str() == "[t0 t1 t2 t3 t4]");
  CHECK(layout.slots() == 1);
  CHECK(layout.replicatedThreadMask() == 0b1100000);
  // Between 1 and 4 elements per thread: a 2-wide vector.
  CHECK(canonicalLayout({256}, 7).str() == "[r t0 t1 t2 t3 t4 t5 t6]");
}

TEST_CASE("reduction layouts keep the last dim's low bits in registers") {
  // 32x128 over 128 threads: 32 elements per thread, all of one row.
  CHECK(reductionLayout({32, 128}, 7).str() == "[r r r r r t0 t1 t2 t3 t4 t5 t6]");
  // At most the last dim's bits: 256x4 has 8 per thread, 4 of them in a row.
  CHECK(reductionLayout({256, 4}, 7).str() == "[r r t0 t1 t2 t3 t4 t5 t6 r]");
}

TEST_CASE("dropping a dim keeps the other bits where they were") {
  Layout layout = canonicalLayout({4, 64}, 7);
  CHECK(layout.str() == "[r t0 t1 t2 t3 t4 t5 t6]");
  CHECK(dropDims(layout, {4, 64}, {false, true}).str() == "[t5 t6]");
  CHECK(dropDims(layout, {4, 64}, {true, false}).str() == "[r t0 t1 t2 t3 t4]");
  CHECK(registerBitsKept(canonicalLayout({32, 64}, 7), {32, 64}, {false, true}) ==
        std::vector<bool>{false, false, true, true});
  CHECK(compressSlot(0b1101, {false, false, true, true}) == 0b11);
}

TEST_CASE("a permute's source layout moves each dim's bits with it") {
  // Result [64, 32] = source [32, 64] transposed.
  Layout result = canonicalLayout({64, 32}, 7);
  Layout source = unpermuteLayout(result, {32, 64}, {1, 0});
  // The result's row bits (its high 6) are the source's column bits (low 6).
  CHECK(source.str() == "[t3 t4 t5 t6 r r r r t0 t1 t2]");
}

TEST_CASE("layout assignment: a reduction's slice broadcasts back without moving data") {
  auto parsed = tir::testing::parseText(R"(kernel @rows(%x: ptr<f32>, %out: ptr<f32>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = arange {start = 0, end = 256} : <256xi32>
  %1 = reshape %0 : <4x64xi32>
  %2 = load %x, %1 : <4x64xf32>
  %3 = reduce %2 {op = "max", axis = 1} : <4xf32>
  %4 = expand_dims %3 {axis = 1} : <4x1xf32>
  %5 = broadcast %4 : <4x64xf32>
  %6 = sub %2, %5 : <4x64xf32>
  store %out, %1, %6
  return
}
)");
  REQUIRE(parsed.module);
  const tir::Kernel& kernel = *parsed.module->kernels[0];
  LayoutAssignment layouts(kernel, 7, false);
  auto result = [&](size_t index) { return kernel.body.ops()[index]->result(); };
  CHECK(layouts.layoutOf(result(0)) == nullptr);  // arange: recomputed where used
  CHECK(layouts.layoutOf(result(2))->str() == "[r t0 t1 t2 t3 t4 t5 t6]");
  CHECK(layouts.layoutOf(result(3))->str() == "[t5 t6]");
  // The broadcast has no layout of its own: the sub computes it in x's, from
  // the slice, whose layout is x's without the reduced bits (no data moves).
  CHECK(layouts.layoutOf(result(5)) == nullptr);
  CHECK(*layouts.layoutOf(result(6)) == *layouts.layoutOf(result(2)));
  CHECK(*layouts.layoutOf(result(3)) == dropDims(*layouts.layoutOf(result(2)), {4, 64}, {false, true}));
}

TEST_CASE("layout assignment: a loop-carried value takes the layout its body gives it") {
  auto parsed = tir::testing::parseText(R"(kernel @rowmax(%x: ptr<f32>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = const {value = 0} : i32
  %1 = const {value = 4} : i32
  %2 = const {value = 1} : i32
  %3 = const {value = -inf} : <4xf32>
  %4 = arange {start = 0, end = 256} : <256xi32>
  %5 = reshape %4 : <4x64xi32>
  %6 = for %0, %1, %2, %3 : <4xf32> {
  ^bb(%7: i32, %8: <4xf32>):
    %9 = load %x, %5 : <4x64xf32>
    %10 = reduce %9 {op = "max", axis = 1} : <4xf32>
    %11 = maximum %8, %10 : <4xf32>
    yield %11
  }
  return
}
)");
  REQUIRE(parsed.module);
  const tir::Kernel& kernel = *parsed.module->kernels[0];
  LayoutAssignment layouts(kernel, 7, false);
  const tir::Op& loop = *kernel.body.ops()[6];
  CHECK(layouts.layoutOf(loop.regions()[0]->body().argument(1))->str() == "[t5 t6]");
  CHECK(layouts.layoutOf(loop.result(0))->str() == "[t5 t6]");
}

TEST_CASE("layout assignment: a tile loaded only to be broadcast is loaded in the layout the broadcast reads") {
  auto parsed = tir::testing::parseText(R"(kernel @scale_rows(%x: ptr<f32>, %y: ptr<f32>, %out: ptr<f32>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = arange {start = 0, end = 4} : <4xi32>
  %1 = load %y, %0 : <4xf32>
  %2 = expand_dims %1 {axis = 1} : <4x1xf32>
  %3 = broadcast %2 : <4x1024xf32>
  %4 = arange {start = 0, end = 4096} : <4096xi32>
  %5 = reshape %4 : <4x1024xi32>
  %6 = load %x, %5 : <4x1024xf32>
  %7 = mul %6, %3 : <4x1024xf32>
  store %out, %5, %7
  return
}
)");
  REQUIRE(parsed.module);
  const tir::Kernel& kernel = *parsed.module->kernels[0];
  LayoutAssignment layouts(kernel, 7, false);
  auto result = [&](size_t index) { return kernel.body.ops()[index]->result(); };
  // [4, 1024] is [r r t0..t6 r r r]: its rows are the top two register bits.
  CHECK(layouts.layoutOf(result(6))->str() == "[r r t0 t1 t2 t3 t4 t5 t6 r r r]");
  CHECK(layouts.layoutOf(result(1))->str() == "[r r]");
}

TEST_CASE("mma.sync fragment layouts tile the instruction's layouts over warps") {
  // One warp, one instruction tile: the PTX ISA's m16n8k16 fragments. The
  // accumulator's c0..c3 of lane l: row l/4 (+8 for c2, c3), column 2 (l%4) + (i&1).
  std::optional<MmaLayouts> one = mmaLayouts(16, 8, 16, 5);
  REQUIRE(one);
  CHECK(one->accumulator.str() == "[r t0 t1 t2 t3 t4 r]");
  CHECK(one->a.str() == "[r t0 t1 r t2 t3 t4 r]");
  CHECK(one->b.str() == "[t2 t3 t4 r t0 t1 r]");
  // 4 warps on 64x64: one warp bit on M (its top bit, row bit 5), one on N
  // (column bit 5), so each warp holds a 32x32 block; a is replicated over the
  // N warp (thread bit 6), b over the M warp (5).
  std::optional<MmaLayouts> four = mmaLayouts(64, 64, 32, 7);
  REQUIRE(four);
  CHECK(four->accumulator.str() == "[r t0 t1 r r t6 t2 t3 t4 r r t5]");
  CHECK(four->a.replicatedThreadMask() == 1u << 6);
  CHECK(four->b.replicatedThreadMask() == 1u << 5);
  CHECK_FALSE(mmaLayouts(8, 8, 16, 7));
}

TEST_CASE("blocked FMA dot layouts give each thread a block of 4-column vectors, lanes along N") {
  // 128x128 on 256 threads: 8x8 a thread, columns {0..3, 64..67} + 4 (t0..t3),
  // rows {0..3, 64..67} + 4 (t4..t7).
  std::optional<Layout> square = fmaDotLayout(128, 128, 8);
  REQUIRE(square);
  CHECK(square->str() == "[r r t0 t1 t2 t3 r r r t4 t5 t6 t7 r]");
  // 256x128 on 256 threads: 128 a thread, the extra register bit on N (8x16).
  CHECK(fmaDotLayout(256, 128, 8)->str() == "[r r t0 t1 t2 r r r r t3 t4 t5 t6 t7 r]");
  // Fewer than 4 elements a thread, or more than 128: the generic dot.
  CHECK_FALSE(fmaDotLayout(16, 16, 7));
  CHECK_FALSE(fmaDotLayout(256, 256, 8));
}

TEST_CASE("kVectorLayout puts K in registers and N on the lanes") {
  // tf32's b, [32 x 128] on 256 threads: the lanes along N (coalesced), four
  // consecutive K rows a thread (one 16-byte vector of the transpose).
  CHECK(kVectorLayout({32, 128}, 8, 2).str() == "[t0 t1 t2 t3 t4 t5 t6 r r t7 r r]");
}

TEST_CASE("mma.sync tf32 fragment layouts are m16n8k8's") {
  // The PTX ISA's m16n8k8 tf32 fragments, g = l/4, t = l%4 for lane l: a0..a3 at
  // (g, t), (g+8, t), (g, t+4), (g+8, t+4); b0, b1 at (k t, n g), (k t+4, n g); the
  // accumulator as m16n8k16's. Registers count in element-bit order, so a's
  // register bit 0 is the column's +4 and bit 1 the row's +8 (TensorCore.cpp
  // picks a_i by element).
  std::optional<MmaLayouts> one = mmaLayouts(16, 8, 8, 5, true);
  REQUIRE(one);
  CHECK(one->tf32);
  CHECK(one->accumulator.str() == "[r t0 t1 t2 t3 t4 r]");
  CHECK(one->a.str() == "[t0 t1 r t2 t3 t4 r]");
  CHECK(one->b.str() == "[t2 t3 t4 t0 t1 r]");
  CHECK(one->a.slotOfElement((8 << 3) | 4) == 3);  // a3: row +8, column +4
  CHECK(one->b.slotOfElement(4 << 3) == 1);        // b1: K row +4
  CHECK_FALSE(mmaLayouts(16, 8, 4, 5, true));
  CHECK_FALSE(mmaLayouts(16, 8, 8, 5));  // halves need K >= 16
}

TEST_CASE("wgmma accumulator layouts give each warp 16 rows of each 64-row tile and each warpgroup a block of M") {
  // One warpgroup on 64x16: the PTX ISA's m64nNk16 accumulator, d[i] of lane l
  // in warp w at row 16w + l/4 (+8 for bit 1 of i), column 2 (l%4) + (i&1) + 8 (i/4).
  std::optional<MmaLayouts> one = wgmmaLayouts(64, 16, 16, 7);
  REQUIRE(one);
  CHECK(one->warpGroup);
  CHECK(one->accumulator.str() == "[r t0 t1 r t2 t3 t4 r t5 t6]");
  CHECK(one->accumulator.replicatedThreadMask() == 0);
  // Two warpgroups on 256x128: each takes 128 rows (thread bit 7 is row bit 7),
  // as two 64-row instruction tiles (row bit 6 a register).
  std::optional<MmaLayouts> two = wgmmaLayouts(256, 128, 64, 8);
  REQUIRE(two);
  CHECK(two->accumulator.str() == "[r t0 t1 r r r r t2 t3 t4 r t5 t6 r t7]");
  CHECK(two->accumulator.slots() == 128);
  // a in registers: the accumulator's layout with K's bits for N's, so that a
  // softmax computed in one dot's accumulator (64 wide) feeds the next dot's a.
  std::optional<MmaLayouts> chained = wgmmaLayouts(128, 128, 64, 7);
  REQUIRE(chained);
  CHECK(chained->a == wgmmaLayouts(128, 64, 16, 7)->accumulator);
  CHECK(chained->a.str() == "[r t0 t1 r r r t2 t3 t4 r t5 t6 r]");
  // Not whole warpgroups, too few rows for the warpgroups, N under 16 or over 256.
  CHECK_FALSE(wgmmaLayouts(64, 64, 16, 6));
  CHECK_FALSE(wgmmaLayouts(64, 64, 16, 8));
  CHECK_FALSE(wgmmaLayouts(64, 8, 16, 7));
  CHECK_FALSE(wgmmaLayouts(64, 512, 16, 7));
}

TEST_CASE("swapped tf32 wgmma layouts are those of the transposed product") {
  // tf32's a in registers, m64nNk8: a0..a3 of lane l at (row l/4, column l%4),
  // row +8, column +4: K's low bits are lanes 0-1, then a register.
  CHECK(wgmmaLayouts(64, 16, 8, 7, true)->a.str() == "[t0 t1 r t2 t3 t4 r t5 t6]");
  // out [M, N] = x @ y as out^T = y^T @ x^T: the accumulator of [N, M] with
  // N's bits as rows (lanes 2-4, a register, the warp) and M's as columns.
  std::optional<MmaLayouts> swapped = swappedWgmmaLayouts(64, 64, 8, 7);
  REQUIRE(swapped);
  CHECK(swapped->swapped);
  CHECK(swapped->tf32);
  CHECK(swapped->warpGroup);
  CHECK(swapped->accumulator.str() == "[t2 t3 t4 r t5 t6 r t0 t1 r r r]");
  // y [K, N] as the transpose of wgmma's a: y[k = l%4][n = l/4] in lane l's a0.
  CHECK(swapped->b.str() == "[t2 t3 t4 r t5 t6 t0 t1 r]");
  // Two warpgroups split N: 128 rows of it each; M (the instruction's N) at most 256.
  CHECK(swappedWgmmaLayouts(256, 256, 32, 8)->accumulator.slots() == 256);
  CHECK_FALSE(swappedWgmmaLayouts(128, 64, 32, 8));
  CHECK_FALSE(swappedWgmmaLayouts(512, 128, 32, 7));
}

TEST_CASE("a tile with leading dims of 1 is a matrix of its last two dims") {
  CHECK(matrixShape({64, 32}) == std::vector<int64_t>{64, 32});
  CHECK(matrixShape({1, 128, 64}) == std::vector<int64_t>{128, 64});
  CHECK(matrixShape({1, 1, 16, 8}) == std::vector<int64_t>{16, 8});
  CHECK_FALSE(matrixShape({2, 16, 16}));
  CHECK_FALSE(matrixShape({16}));
}
